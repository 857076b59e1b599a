/** Ballot types and the pure rules around them: validation, status, time formatting. */

import type { NewBallot } from "./types.ts";
import {
  codePointLength,
  forbiddenIn,
  labelKey,
  normalizeLabel,
  RESERVED_OPTION,
  withinReach,
} from "./labels.ts";
import { checkKindSettings } from "../kinds/index.ts";
import { isTimeZone, wallTimeToInstant } from "./zones.ts";
export type { Ballot, BallotStatus, NewBallot } from "./types.ts";
export { formatSpan, nextTransition, statusOf, statusText } from "./status.ts";

/** The raw create form, exactly as typed: re-rendered on error. */
export interface CreateBallotForm {
  measure: string;
  options_raw: string;
  allow_write_in: boolean;
  start_time_type: string;
  scheduled_start_time: string;
  /** Minutes east of UTC of the browser that typed a zone-less time (set by the local-time island). */
  tz_offset_mins: string;
  duration_mins: string;
  /**
   * How the ballot ends: `duration` (when absent: `duration_mins`, 0 for no end),
   * `custom` (`duration_amount` of `duration_unit`) or `at` (`end_time`).
   */
  end_type?: string;
  /** With `end_type=at`: an ISO 8601 instant, or a wall time read in `time_zone`. */
  end_time?: string;
  /** With `end_type=custom`: a whole number of `duration_unit`s. */
  duration_amount?: string;
  /** `minutes`, `hours` or `days`. */
  duration_unit?: string;
  /**
   * The IANA zone that zone-less times (`scheduled_start_time`, `end_time`) are
   * read in; when empty, `tz_offset_mins`, else UTC.
   */
  time_zone?: string;
  /** `single` (when absent), `approval` or `ranked` (SPEC section 7). */
  kind?: string;
  /** `approval`: the most options one voter may choose; empty: no cap. */
  max_choices?: string;
  /** One option per field (the form's default input), before any in `options_raw`. */
  options?: string[];
}

export type CreateField = keyof CreateBallotForm;
export type FieldErrors<F extends string = CreateField> = Partial<Record<F, string>>;

export type Validation<T, F extends string> =
  | { ok: true; value: T }
  | { ok: false; errors: FieldErrors<F> };

export const DURATION_CHOICES = [10, 60, 1440, 0] as const;
export const MAX_DURATION_MINS = 60 * 24 * 366;
/** A scheduled start lies at most this far ahead (as long as the longest ballot). */
export const MAX_START_AHEAD_DAYS = 366;
/** An end chosen as a time lies after the start, by at most this (the longest duration). */
export const MAX_END_AFTER_START_DAYS = MAX_DURATION_MINS / 1440;
export const END_TYPES = ["duration", "custom", "at"] as const;
export const DURATION_UNITS = { minutes: 1, hours: 60, days: 1440 } as const;
const MAX_OPTIONS = 100;
export const MAX_MEASURE_CHARS = 255;
const MAX_OPTION_CHARS = 64;

const FORBIDDEN_MESSAGES = {
  control: "Text must not contain control characters.",
  invisible: "Text must not contain invisible or direction-control characters.",
} as const;

export const emptyCreateForm: CreateBallotForm = {
  measure: "",
  options_raw: "",
  allow_write_in: false,
  start_time_type: "now",
  scheduled_start_time: "",
  tz_offset_mins: "",
  duration_mins: "60",
  end_type: "duration",
  end_time: "",
  duration_amount: "",
  duration_unit: "hours",
  time_zone: "",
};

export function validateCreateBallot(
  form: CreateBallotForm,
  now: Date,
): Validation<NewBallot, CreateField> {
  const errors: FieldErrors = {};

  const measure = checkMeasure(form.measure);
  if (measure.error) errors.measure = measure.error;

  const kind = checkKindSettings(form.kind ?? "", form.max_choices ?? "");
  if (!kind.ok) Object.assign(errors, kind.errors);
  // A ranked ballot orders listed options only: it takes no write-ins.
  const allowWriteIn = form.allow_write_in && !(kind.ok && kind.value.kind === "ranked");

  const options = checkOptions(optionsOf(form), allowWriteIn);
  if (options.error) errors.options_raw = options.error;

  const zone = (form.time_zone ?? "").trim();
  if (zone !== "" && !isTimeZone(zone)) {
    errors.time_zone = "Choose a time zone from the list.";
  }
  const reader: TimeReader = zone !== "" && !errors.time_zone
    ? { zone }
    : { offsetMins: form.tz_offset_mins };

  let startsAt = now;
  let startKnown = true;
  if (form.start_time_type === "scheduled") {
    const parsed = parseScheduledStart(form.scheduled_start_time, reader, now);
    if ("error" in parsed) {
      errors.scheduled_start_time = parsed.error;
      startKnown = false;
    } else startsAt = parsed.at;
  } else if (form.start_time_type !== "now") {
    errors.start_time_type = "Start time type must be now or scheduled.";
    startKnown = false;
  }

  const end = checkEnd(form, reader, startsAt, startKnown);
  if ("error" in end) errors[end.field] = end.error;

  if (Object.keys(errors).length > 0 || "error" in end || !kind.ok) {
    return { ok: false, errors };
  }
  return {
    ok: true,
    value: {
      measure: measure.value,
      options: options.value,
      allowWriteIn,
      startsAt,
      endsAt: end.endsAt,
      ...kind.value,
    },
  };
}

const TOO_LONG_MEASURE = "The question can have at most 255 characters.";

function checkMeasure(raw: string): { value: string; error?: string } {
  // The question box has several lines; the question is one: line breaks become spaces.
  const trimmed = raw.trim().replace(/[ \t]*(?:\r\n|\r|\n)+[ \t]*/g, " ");
  if (!withinReach(trimmed, MAX_MEASURE_CHARS)) {
    return { value: trimmed, error: TOO_LONG_MEASURE };
  }
  const forbidden = forbiddenIn(trimmed);
  if (forbidden) return { value: trimmed, error: FORBIDDEN_MESSAGES[forbidden] };
  const value = normalizeLabel(trimmed);
  const length = codePointLength(value);
  if (length < 3) return { value, error: "The question needs at least 3 characters." };
  if (length > MAX_MEASURE_CHARS) return { value, error: TOO_LONG_MEASURE };
  return { value };
}

/** The `options` fields (a comma inside one is just a comma), then any in `options_raw`. */
function optionsOf(form: CreateBallotForm): string[] {
  const typed = (form.options ?? []).map((option) => option.trim())
    .filter((option) => option !== "");
  return [...typed, ...splitOptions(form.options_raw)];
}

/** Options as typed, split on commas (full-width ones too), trimmed, blanks dropped. */
export function splitOptions(raw: string): string[] {
  return raw.split(/[,\uFF0C\uFE50]/).map((option) => option.trim())
    .filter((option) => option.length > 0);
}

/** Checks options as typed; the value is each one normalised (see labels.ts). */
function checkOptions(typed: string[], allowWriteIn: boolean): { value: string[]; error?: string } {
  const error = optionsError(typed, allowWriteIn);
  return { value: error ? typed : typed.map(normalizeLabel), error };
}

function optionsError(typed: string[], allowWriteIn: boolean): string | undefined {
  if (typed.length === 0) return "Add at least 1 item.";
  if (typed.length > MAX_OPTIONS) return `Use at most ${MAX_OPTIONS} options.`;
  if (typed.some((option) => !withinReach(option, MAX_OPTION_CHARS))) {
    return OPTION_LENGTH;
  }
  for (const option of typed) {
    const forbidden = forbiddenIn(option);
    if (forbidden) return FORBIDDEN_MESSAGES[forbidden];
  }
  const options = typed.map(normalizeLabel);
  if (options.some((option) => codePointLength(option) > MAX_OPTION_CHARS)) {
    return OPTION_LENGTH;
  }
  const seen = new Map<string, string>();
  for (const option of options) {
    const key = labelKey(option);
    if (key === RESERVED_OPTION) {
      return `"${RESERVED_OPTION}" is reserved for write-ins; choose another name.`;
    }
    const first = seen.get(key);
    if (first === option) return `Remove the duplicate option "${option}".`;
    if (first !== undefined) {
      return `Remove the duplicate option "${option}" (the same as "${first}").`;
    }
    seen.set(key, option);
  }
  if (!allowWriteIn && options.length < 2) {
    return "Add at least 2 options when write-ins are disabled.";
  }
  return undefined;
}

const OPTION_LENGTH = "Each option needs between 1 and 64 characters.";

const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * How a date and time typed without a zone is read: in an IANA `zone` (across
 * its daylight-saving changes, see zones.ts), else at a fixed offset in
 * minutes east of UTC (what the manage page's browser sends; empty: UTC).
 */
export type TimeReader = { zone: string } | { offsetMins: string };

/** Parses an ISO 8601 instant; a time without a zone is read by `reader` (a bare offset: minutes). */
export function parseScheduledStart(
  raw: string,
  reader: TimeReader | string,
  now: Date,
): { at: Date } | { error: string } {
  if (raw.trim() === "") {
    return { error: "Scheduled start time is required when 'scheduled' is selected." };
  }
  const at = parseInstant(raw, reader);
  if (!at) {
    return {
      error: "Invalid scheduled start time format: use a date and time like 2026-12-31T10:00.",
    };
  }
  if (at.getTime() <= now.getTime()) {
    return { error: "Scheduled start time must be in the future." };
  }
  if (at.getTime() > now.getTime() + MAX_START_AHEAD_DAYS * 86_400_000) {
    return { error: `Scheduled start time must be within ${MAX_START_AHEAD_DAYS} days from now.` };
  }
  return { at };
}

/**
 * An ISO 8601 date-time as typed (a start, an end), seconds optional; with an
 * offset or `Z` it is that instant, without one it is read by `reader` (a
 * string is a fixed offset in minutes east of UTC; empty: UTC).
 * `null` when it is not a real date and time.
 */
export function parseInstant(raw: string, reader: TimeReader | string): Date | null {
  const match = ISO_INSTANT.exec(raw.trim());
  if (!match) return null;
  const [, y, mo, d, h, mi, s = "0", frac = "0", zone] = match;
  const fields = [y, mo, d, h, mi, s].map(Number);
  const millis = Number(frac.padEnd(3, "0").slice(0, 3));
  const local = Date.UTC(
    fields[0],
    fields[1] - 1,
    fields[2],
    fields[3],
    fields[4],
    fields[5],
    millis,
  );
  const check = new Date(local);
  if (
    check.getUTCMonth() !== fields[1] - 1 || check.getUTCDate() !== fields[2] || fields[3] > 23 ||
    fields[4] > 59 || fields[5] > 59
  ) {
    return null;
  }
  if (zone) {
    const offset = zoneOffsetMins(zone);
    return offset === undefined ? null : new Date(local - offset * 60_000);
  }
  const how = typeof reader === "string" ? { offsetMins: reader } : reader;
  if ("zone" in how) return isTimeZone(how.zone) ? wallTimeToInstant(local, how.zone) : null;
  const offset = browserOffsetMins(how.offsetMins);
  return offset === undefined ? null : new Date(local - offset * 60_000);
}

function zoneOffsetMins(zone: string): number | undefined {
  if (zone.toUpperCase() === "Z") return 0;
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2));
  if (hours > 23 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes);
}

function browserOffsetMins(raw: string): number | undefined {
  if (raw.trim() === "") return 0;
  const offset = Number(raw);
  return Number.isInteger(offset) && Math.abs(offset) <= 18 * 60 ? offset : undefined;
}

type EndField = "duration_mins" | "end_type" | "end_time" | "duration_amount";

/**
 * When the ballot ends: `null` for no end. An end is after the start and at
 * most `MAX_DURATION_MINS` after it, however it was given.
 */
function checkEnd(
  form: CreateBallotForm,
  reader: TimeReader,
  startsAt: Date,
  startKnown: boolean,
): { endsAt: Date | null } | { field: EndField; error: string } {
  const type = (form.end_type ?? "").trim() || "duration";
  if (type === "duration") {
    const duration = parseDuration(form.duration_mins);
    if (typeof duration === "string") return { field: "duration_mins", error: duration };
    return { endsAt: duration === 0 ? null : new Date(startsAt.getTime() + duration * 60_000) };
  }
  if (type === "custom") {
    const amount = (form.duration_amount ?? "").trim();
    const unit = (form.duration_unit ?? "").trim() || "minutes";
    const size = DURATION_UNITS[unit as keyof typeof DURATION_UNITS];
    if (!Object.hasOwn(DURATION_UNITS, unit)) {
      return { field: "duration_amount", error: "Choose minutes, hours or days." };
    }
    if (!/^\d{1,9}$/.test(amount) || Number(amount) < 1) {
      return {
        field: "duration_amount",
        error: "Enter the duration as a whole number, 1 or more.",
      };
    }
    const minutes = Number(amount) * size;
    if (minutes > MAX_DURATION_MINS) {
      return {
        field: "duration_amount",
        error: `The duration can be at most ${MAX_END_AFTER_START_DAYS} days.`,
      };
    }
    return { endsAt: new Date(startsAt.getTime() + minutes * 60_000) };
  }
  if (type === "at") {
    const raw = form.end_time ?? "";
    if (raw.trim() === "") {
      return { field: "end_time", error: "End time is required when 'at' is selected." };
    }
    const at = parseInstant(raw, reader);
    if (!at) {
      return {
        field: "end_time",
        error: "Invalid end time format: use a date and time like 2026-12-31T18:00.",
      };
    }
    // A start that was refused says so itself; the end is checked against it once it is right.
    if (!startKnown) return { endsAt: at };
    if (at.getTime() <= startsAt.getTime()) {
      return {
        field: "end_time",
        error: form.start_time_type === "scheduled"
          ? "End time must be after the start."
          : "End time must be in the future.",
      };
    }
    if (at.getTime() - startsAt.getTime() > MAX_DURATION_MINS * 60_000) {
      return {
        field: "end_time",
        error: `End time must be within ${MAX_END_AFTER_START_DAYS} days of the start.`,
      };
    }
    return { endsAt: at };
  }
  return { field: "end_type", error: "End type must be duration, custom or at." };
}

function parseDuration(raw: string): number | string {
  const value = raw.trim();
  if (value === "") return 0;
  if (!/^\d+$/.test(value)) return "Duration must be a whole number of minutes.";
  const minutes = Number(value);
  if (minutes > MAX_DURATION_MINS) return `Duration must be at most ${MAX_DURATION_MINS} minutes.`;
  return minutes;
}

const BALLOT_ID = /^[A-Za-z0-9_-]{16}$/;

export function isBallotId(value: string): boolean {
  return BALLOT_ID.test(value);
}

export function newBallotId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_");
}
