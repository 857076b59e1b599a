/** Ballot types and the pure rules around them: validation, status, time formatting. */

import type { Ballot, NewBallot } from "./types.ts";
import {
  codePointLength,
  forbiddenIn,
  labelKey,
  normalizeLabel,
  RESERVED_OPTION,
  withinReach,
} from "./labels.ts";
import { checkKindSettings } from "../kinds/index.ts";
export type { Ballot, BallotStatus, NewBallot } from "./types.ts";
import type { BallotStatus } from "./types.ts";

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
const MAX_OPTIONS = 100;
const MAX_MEASURE_CHARS = 255;
const MAX_OPTION_CHARS = 64;

const FORBIDDEN_MESSAGES = {
  control: "must not contain control characters",
  invisible: "must not contain invisible or direction-control characters",
} as const;

export const emptyCreateForm: CreateBallotForm = {
  measure: "",
  options_raw: "",
  allow_write_in: false,
  start_time_type: "now",
  scheduled_start_time: "",
  tz_offset_mins: "",
  duration_mins: "60",
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

  let startsAt = now;
  if (form.start_time_type === "scheduled") {
    const parsed = parseScheduledStart(form.scheduled_start_time, form.tz_offset_mins, now);
    if ("error" in parsed) errors.scheduled_start_time = parsed.error;
    else startsAt = parsed.at;
  } else if (form.start_time_type !== "now") {
    errors.start_time_type = "must be now or scheduled";
  }

  const duration = parseDuration(form.duration_mins);
  if (typeof duration === "string") errors.duration_mins = duration;

  if (Object.keys(errors).length > 0 || typeof duration === "string" || !kind.ok) {
    return { ok: false, errors };
  }
  return {
    ok: true,
    value: {
      measure: measure.value,
      options: options.value,
      allowWriteIn,
      startsAt,
      endsAt: duration === 0 ? null : new Date(startsAt.getTime() + duration * 60_000),
      ...kind.value,
    },
  };
}

function checkMeasure(raw: string): { value: string; error?: string } {
  const trimmed = raw.trim();
  if (!withinReach(trimmed, MAX_MEASURE_CHARS)) {
    return { value: trimmed, error: "at most 255 characters" };
  }
  const forbidden = forbiddenIn(trimmed);
  if (forbidden) return { value: trimmed, error: FORBIDDEN_MESSAGES[forbidden] };
  const value = normalizeLabel(trimmed);
  const length = codePointLength(value);
  if (length < 3) return { value, error: "at least 3 characters" };
  if (length > MAX_MEASURE_CHARS) return { value, error: "at most 255 characters" };
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
  if (typed.length === 0) return "at least 1 item";
  if (typed.length > MAX_OPTIONS) return `at most ${MAX_OPTIONS} options`;
  if (typed.some((option) => !withinReach(option, MAX_OPTION_CHARS))) {
    return "between 1 and 64 characters";
  }
  for (const option of typed) {
    const forbidden = forbiddenIn(option);
    if (forbidden) return FORBIDDEN_MESSAGES[forbidden];
  }
  const options = typed.map(normalizeLabel);
  if (options.some((option) => codePointLength(option) > MAX_OPTION_CHARS)) {
    return "between 1 and 64 characters";
  }
  const seen = new Map<string, string>();
  for (const option of options) {
    const key = labelKey(option);
    if (key === RESERVED_OPTION) {
      return `"${RESERVED_OPTION}" is reserved for write-ins; choose another name`;
    }
    const first = seen.get(key);
    if (first === option) return `duplicate option "${option}"`;
    if (first !== undefined) return `duplicate option "${option}" (the same as "${first}")`;
    seen.set(key, option);
  }
  if (!allowWriteIn && options.length < 2) return "at least 2 options when write-ins are disabled";
  return undefined;
}

const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** Parses an ISO 8601 instant; a time without a zone is read with `tzOffsetMins` (default UTC). */
export function parseScheduledStart(
  raw: string,
  tzOffsetMins: string,
  now: Date,
): { at: Date } | { error: string } {
  if (raw.trim() === "") {
    return { error: "Scheduled start time is required when 'scheduled' is selected" };
  }
  const at = parseInstant(raw, tzOffsetMins);
  if (!at) return { error: "Invalid scheduled start time format" };
  if (at.getTime() <= now.getTime()) return { error: "Scheduled start time must be in the future" };
  if (at.getTime() > now.getTime() + MAX_START_AHEAD_DAYS * 86_400_000) {
    return { error: `Scheduled start time must be within ${MAX_START_AHEAD_DAYS} days from now` };
  }
  return { at };
}

/**
 * An ISO 8601 date-time as typed (a start, a new end); without a zone it is
 * read with the browser's offset in minutes east of UTC (empty: UTC).
 * `null` when it is not a real instant.
 */
export function parseInstant(raw: string, tzOffsetMins: string): Date | null {
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
  const offset = zone ? zoneOffsetMins(zone) : browserOffsetMins(tzOffsetMins);
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

function parseDuration(raw: string): number | string {
  const value = raw.trim();
  if (value === "") return 0;
  if (!/^\d+$/.test(value)) return "must be a whole number of minutes";
  const minutes = Number(value);
  if (minutes > MAX_DURATION_MINS) return `at most ${MAX_DURATION_MINS} minutes`;
  return minutes;
}

export function statusOf(ballot: Pick<Ballot, "startsAt" | "endsAt">, now: Date): BallotStatus {
  if (now.getTime() < ballot.startsAt.getTime()) return "pending";
  if (ballot.endsAt && now.getTime() >= ballot.endsAt.getTime()) return "ended";
  return "active";
}

export function statusText(ballot: Pick<Ballot, "startsAt" | "endsAt">, now: Date): string {
  switch (statusOf(ballot, now)) {
    case "pending":
      return `starts in ${formatSpan(ballot.startsAt.getTime() - now.getTime())}`;
    case "active":
      return ballot.endsAt
        ? `ends in ${formatSpan(ballot.endsAt.getTime() - now.getTime())}`
        : "voting open";
    case "ended":
      return "voting closed";
  }
}

const UNITS: [string, number][] = [
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
  ["second", 1_000],
];

/** "5 minutes", "1 hour": the largest whole unit, rounded down. */
export function formatSpan(ms: number): string {
  const span = Math.max(0, ms);
  for (const [unit, size] of UNITS) {
    const count = Math.floor(span / size);
    if (count >= 1 || unit === "second") return `${count} ${unit}${count === 1 ? "" : "s"}`;
  }
  return "0 seconds";
}

/** The next instant at which the ballot's status changes, if any. */
export function nextTransition(
  ballot: Pick<Ballot, "startsAt" | "endsAt">,
  now: Date,
): Date | null {
  if (now.getTime() < ballot.startsAt.getTime()) return ballot.startsAt;
  if (ballot.endsAt && now.getTime() < ballot.endsAt.getTime()) return ballot.endsAt;
  return null;
}

const BALLOT_ID = /^[A-Za-z0-9_-]{16}$/;

export function isBallotId(value: string): boolean {
  return BALLOT_ID.test(value);
}

export function newBallotId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_");
}
