/**
 * Property-based tests (fast-check) of validateCreateBallot: it never throws,
 * whatever it accepts obeys every rule of SPEC sections 2 and 7 (labels), and
 * whatever it refuses carries only the spec's messages.
 */
import fc from "fast-check";
import {
  type CreateBallotForm,
  MAX_DURATION_MINS,
  MAX_START_AHEAD_DAYS,
  validateCreateBallot,
} from "../../lib/ballots/rules.ts";
import { forbiddenIn, labelKey } from "../../lib/ballots/labels.ts";
import { assert, assertEquals } from "../_support/assert.ts";

const NOW = new Date("2030-06-15T12:00:00Z");
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** The messages SPEC section 2 names, plus the few the code adds for input a browser never sends. */
const MESSAGES: Record<string, (string | RegExp)[]> = {
  measure: [
    "The question needs at least 3 characters.",
    "The question can have at most 255 characters.",
    "Text must not contain control characters.",
    "Text must not contain invisible or direction-control characters.",
  ],
  options_raw: [
    "Each option needs between 1 and 64 characters.",
    "Add at least 2 options when write-ins are disabled.",
    "Add at least 1 item.",
    "Text must not contain control characters.",
    "Text must not contain invisible or direction-control characters.",
    "Use at most 100 options.",
    '"__write_in__" is reserved for write-ins; choose another name.',
    /^Remove the duplicate option ".*"( \(the same as ".*"\))?\.$/s,
  ],
  scheduled_start_time: [
    "Scheduled start time is required when 'scheduled' is selected.",
    "Scheduled start time must be in the future.",
    "Invalid scheduled start time format: use a date and time like 2026-12-31T10:00.",
    `Scheduled start time must be within ${MAX_START_AHEAD_DAYS} days from now.`,
  ],
  start_time_type: ["Start time type must be now or scheduled."],
  duration_mins: [
    "Duration must be a whole number of minutes.",
    `Duration must be at most ${MAX_DURATION_MINS} minutes.`,
  ],
};

const codePoints = (text: string) => [...text].length;
/** What a reader sees as the same text: NFKC, one space between words, no edges. */
const shown = (text: string) => text.normalize("NFKC").replace(/[^\S\uFEFF]+/gu, " ").trim();
/** Options as SPEC reads them: split on commas (full-width too), trimmed, blanks dropped. */
const splitTyped = (raw: string) =>
  raw.split(/[,\uFF0C\uFE50]/).map((o) => o.trim()).filter((o) => o !== "");
const splitPlainly = (raw: string) => splitTyped(raw).map(shown);
/** Controls and invisible characters are refused as typed (a tab is not a space). */
const clean = (typed: string) => !CONTROL.test(typed) && forbiddenIn(typed) === null;
const MAX_START_MS = MAX_START_AHEAD_DAYS * 86_400_000;
/** The question box has lines; the question is one: its line breaks (and the blanks around them) are a space. */
const oneLine = (typed: string) => typed.trim().replace(/[ \t]*(?:\r\n|\r|\n)+[ \t]*/g, " ");

/** Look-alikes: case, width, invisible and direction-control characters, the reserved name. */
const lookAlike = fc.constantFrom(
  "Yes",
  "yes",
  "Ｙes",
  "Yes\u200B",
  "Ye\u200Bs",
  "Y\u202Ees",
  "\u2066No\u2069",
  "N\u00ADo",
  "Straße",
  "STRASSE",
  "a\u00A0b",
  "a b",
  "a\tb",
  "__write_in__",
  "👨\u200D👩\u200D👧",
);

const edgyText = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: "grapheme", maxLength: 70 }),
  fc.string({ unit: "binary", maxLength: 70 }),
  fc.constantFrom(
    "",
    " ",
    "ab",
    "abc",
    " abc ",
    "a".repeat(255),
    "a".repeat(256),
    "\u0000abc",
    "<b>x</b>",
    "\u202Eabc",
    "ａｂｃ",
    "ab\u200Bc",
  ),
);
const option = fc.oneof(
  fc.string({ minLength: 1, maxLength: 8, unit: "grapheme-ascii" }),
  fc.string({ maxLength: 70 }),
  fc.constantFrom("", " ", "x".repeat(64), "x".repeat(65), "dup", "\u0085"),
  lookAlike,
);
const optionsRaw = fc.oneof(
  fc.array(option, { maxLength: 110 }).map((parts) => parts.join(",")),
  fc.string({ maxLength: 200 }),
  fc.constantFrom(",,,", "a", "a,b", "a,a", ",".repeat(10_000)),
);
const duration = fc.oneof(
  fc.nat({ max: MAX_DURATION_MINS + 10 }).map(String),
  fc.constantFrom(
    "",
    "0",
    "10",
    "60",
    "1440",
    "-1",
    "1.5",
    "abc",
    "1e3",
    "0x10",
    "99999999999999999999",
  ),
  fc.string({ maxLength: 12 }),
);
const scheduled = fc.oneof(
  fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true })
    .map((date) => date.toISOString()),
  fc.constantFrom(
    "",
    "yesterday",
    "2099-02-30T10:00",
    "2099-01-01T24:00",
    "2031-01-01T10:00+14:00",
    "9999-12-31T23:59Z",
    "2031-06-15T12:00:00.001Z",
  ),
  fc.string({ maxLength: 30 }),
);

const edgyForm: fc.Arbitrary<CreateBallotForm> = fc.record({
  measure: edgyText,
  options_raw: optionsRaw,
  allow_write_in: fc.boolean(),
  start_time_type: fc.oneof(fc.constantFrom("now", "scheduled"), fc.string({ maxLength: 10 })),
  scheduled_start_time: scheduled,
  tz_offset_mins: fc.oneof(
    fc.constant(""),
    fc.integer({ min: -1200, max: 1200 }).map(String),
    fc.string({ maxLength: 6 }),
  ),
  duration_mins: duration,
});

/** What a person would type: mostly valid, with the odd slip. */
const plainWord = fc.string({ minLength: 1, maxLength: 12, unit: "grapheme-ascii" })
  .filter((word) => !word.includes(","));
const plausibleForm: fc.Arbitrary<CreateBallotForm> = fc.record({
  measure: fc.string({ minLength: 1, maxLength: 60, unit: "grapheme" }),
  options_raw: fc.array(plainWord, { minLength: 1, maxLength: 8 }).map((words) => words.join(", ")),
  allow_write_in: fc.boolean(),
  start_time_type: fc.constantFrom("now", "now", "scheduled"),
  scheduled_start_time: fc.date({
    min: new Date("2030-06-01"),
    max: new Date("2031-01-01"),
    noInvalidDate: true,
  })
    .map((date) => date.toISOString().slice(0, 16)),
  tz_offset_mins: fc.constantFrom("", "0", "60", "-300", "330"),
  duration_mins: fc.constantFrom("10", "60", "1440", "0"),
});

const form = fc.oneof(edgyForm, plausibleForm);

Deno.test("validateCreateBallot() never throws, and every refusal uses the spec's messages", () => {
  fc.assert(
    fc.property(form, (input) => {
      const result = validateCreateBallot(input, NOW);
      if (result.ok) return;
      const fields = Object.entries(result.errors);
      assert(fields.length > 0, "a refusal names at least one field");
      for (const [field, message] of fields) {
        const allowed = MESSAGES[field];
        assert(allowed, `unexpected field ${field}`);
        assert(
          allowed.some((m) => typeof m === "string" ? m === message : m.test(message!)),
          `unexpected message for ${field}: ${JSON.stringify(message)}`,
        );
      }
    }),
    { numRuns: 3_000 },
  );
});

Deno.test("validateCreateBallot() accepts only ballots that obey every rule", () => {
  let accepted = 0;
  fc.assert(
    fc.property(form, (input) => {
      const result = validateCreateBallot(input, NOW);
      if (!result.ok) return;
      accepted++;
      const ballot = result.value;
      assertEquals(ballot.measure, shown(input.measure));
      assertEquals(labelKey(ballot.measure), labelKey(oneLine(input.measure)), "the measure typed");
      assert(
        codePoints(ballot.measure) >= 3 && codePoints(ballot.measure) <= 255,
        "measure length",
      );
      assert(!CONTROL.test(ballot.measure), "no control characters in the measure");
      assertEquals(forbiddenIn(ballot.measure), null, "no invisible characters in the measure");
      assertEquals(ballot.options, splitPlainly(input.options_raw));
      assert(ballot.options.length >= (input.allow_write_in ? 1 : 2), "enough options");
      assert(ballot.options.length <= 100, "Use at most 100 options.");
      const keys = ballot.options.map(labelKey);
      assertEquals(new Set(keys).size, keys.length, "no two options alike");
      assert(!keys.includes("__write_in__"), "the reserved name is not an option");
      for (const o of ballot.options) {
        assert(codePoints(o) >= 1 && codePoints(o) <= 64, `option length: ${o}`);
        assert(!CONTROL.test(o), "no control characters in an option");
        assertEquals(forbiddenIn(o), null, `no invisible characters in an option: ${o}`);
        assertEquals(o, o.normalize("NFKC"), "options are NFKC");
      }
      assertEquals(ballot.allowWriteIn, input.allow_write_in);
      assert(["now", "scheduled"].includes(input.start_time_type), "a known start type");
      if (input.start_time_type === "now") assertEquals(ballot.startsAt, NOW);
      else {
        assert(ballot.startsAt.getTime() > NOW.getTime(), "a scheduled start is in the future");
        assert(ballot.startsAt.getTime() <= NOW.getTime() + MAX_START_MS, "and within a year");
      }
      const minutes = input.duration_mins.trim() === "" ? 0 : Number(input.duration_mins.trim());
      assert(/^\d*$/.test(input.duration_mins.trim()) && minutes <= MAX_DURATION_MINS, "duration");
      if (minutes === 0) assertEquals(ballot.endsAt, null);
      else assertEquals(ballot.endsAt!.getTime(), ballot.startsAt.getTime() + minutes * 60_000);
    }),
    { numRuns: 3_000 },
  );
  console.log(`accepted ${accepted} of 3000 generated forms`);
  assert(accepted >= 150, `the generators reach valid ballots too (${accepted})`);
});

Deno.test("validateCreateBallot() agrees with a plain reading of the rules for ballots starting now", () => {
  const oracle = (input: CreateBallotForm): boolean => {
    const measure = shown(oneLine(input.measure));
    const typed = splitTyped(input.options_raw);
    const options = typed.map(shown);
    const keys = options.map(labelKey);
    const duration = input.duration_mins.trim();
    return codePoints(measure) >= 3 && codePoints(measure) <= 255 &&
      clean(oneLine(input.measure)) &&
      options.length >= (input.allow_write_in ? 1 : 2) && options.length <= 100 &&
      typed.every(clean) && options.every((o) => codePoints(o) <= 64) &&
      new Set(keys).size === keys.length && !keys.includes("__write_in__") &&
      /^\d*$/.test(duration) && Number(duration || "0") <= MAX_DURATION_MINS;
  };
  fc.assert(
    fc.property(form.map((input) => ({ ...input, start_time_type: "now" })), (input) => {
      assertEquals(validateCreateBallot(input, NOW).ok, oracle(input), JSON.stringify(input));
    }),
    { numRuns: 3_000 },
  );
});
