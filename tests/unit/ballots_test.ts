import {
  type CreateBallotForm,
  emptyCreateForm,
  formatSpan,
  isBallotId,
  newBallotId,
  nextTransition,
  parseScheduledStart,
  statusOf,
  statusText,
  validateCreateBallot,
} from "../../lib/ballots/rules.ts";
import { assert, assertEquals } from "../_support/assert.ts";

const NOW = new Date("2026-11-28T12:00:00Z");

function form(fields: Partial<CreateBallotForm>): CreateBallotForm {
  return { ...emptyCreateForm, measure: "Lunch?", options_raw: "pizza, sushi", ...fields };
}

function errorsOf(fields: Partial<CreateBallotForm>) {
  const result = validateCreateBallot(form(fields), NOW);
  return result.ok ? {} : result.errors;
}

Deno.test("validateCreateBallot() accepts a ballot and trims measure and options", () => {
  const result = validateCreateBallot(
    form({ measure: "  Lunch?  ", options_raw: " pizza ,, sushi , ", duration_mins: "60" }),
    NOW,
  );
  assert(result.ok);
  assertEquals(result.value.measure, "Lunch?");
  assertEquals(result.value.options, ["pizza", "sushi"]);
  assertEquals(result.value.startsAt, NOW);
  assertEquals(result.value.endsAt, new Date("2026-11-28T13:00:00Z"));
});

Deno.test("validateCreateBallot() gives the measure messages of the spec", () => {
  assertEquals(errorsOf({ measure: "ab" }).measure, "The question needs at least 3 characters.");
  assertEquals(
    errorsOf({ measure: "   ab   " }).measure,
    "The question needs at least 3 characters.",
  );
  assertEquals(
    errorsOf({ measure: "x".repeat(256) }).measure,
    "The question can have at most 255 characters.",
  );
  assertEquals(errorsOf({ measure: "x".repeat(255) }).measure, undefined);
  assertEquals(
    errorsOf({ measure: "a\u0000bc" }).measure,
    "Text must not contain control characters.",
  );
});

Deno.test("validateCreateBallot() gives the options messages of the spec", () => {
  assertEquals(errorsOf({ options_raw: "" }).options_raw, "Add at least 1 item.");
  assertEquals(errorsOf({ options_raw: " , ,," }).options_raw, "Add at least 1 item.");
  assertEquals(
    errorsOf({ options_raw: "only" }).options_raw,
    "Add at least 2 options when write-ins are disabled.",
  );
  assertEquals(errorsOf({ options_raw: "only", allow_write_in: true }).options_raw, undefined);
  assertEquals(
    errorsOf({ options_raw: `yes, ${"n".repeat(65)}` }).options_raw,
    "Each option needs between 1 and 64 characters.",
  );
  assertEquals(errorsOf({ options_raw: `yes, ${"n".repeat(64)}` }).options_raw, undefined);
  assertEquals(
    errorsOf({ options_raw: "yes, no, yes" }).options_raw,
    'Remove the duplicate option "yes".',
  );
});

Deno.test("validateCreateBallot() checks the scheduled start", () => {
  assertEquals(
    errorsOf({ start_time_type: "scheduled", scheduled_start_time: "" }).scheduled_start_time,
    "Scheduled start time is required when 'scheduled' is selected.",
  );
  assertEquals(
    errorsOf({ start_time_type: "scheduled", scheduled_start_time: "tomorrow" })
      .scheduled_start_time,
    "Invalid scheduled start time format: use a date and time like 2026-12-31T10:00.",
  );
  assertEquals(
    errorsOf({ start_time_type: "scheduled", scheduled_start_time: "2026-02-30T10:00" })
      .scheduled_start_time,
    "Invalid scheduled start time format: use a date and time like 2026-12-31T10:00.",
  );
  assertEquals(
    errorsOf({ start_time_type: "scheduled", scheduled_start_time: "2026-11-28T11:59:59Z" })
      .scheduled_start_time,
    "Scheduled start time must be in the future.",
  );
  const result = validateCreateBallot(
    form({
      start_time_type: "scheduled",
      scheduled_start_time: "2026-11-28T13:00",
      duration_mins: "10",
    }),
    NOW,
  );
  assert(result.ok);
  assertEquals(result.value.startsAt, new Date("2026-11-28T13:00:00Z"));
  assertEquals(result.value.endsAt, new Date("2026-11-28T13:10:00Z"));
});

Deno.test("validateCreateBallot() checks the duration", () => {
  assertEquals(
    errorsOf({ duration_mins: "abc" }).duration_mins,
    "Duration must be a whole number of minutes.",
  );
  assertEquals(
    errorsOf({ duration_mins: "-5" }).duration_mins,
    "Duration must be a whole number of minutes.",
  );
  assertEquals(
    errorsOf({ duration_mins: "99999999999" }).duration_mins,
    "Duration must be at most 527040 minutes.",
  );
  const open = validateCreateBallot(form({ duration_mins: "0" }), NOW);
  assert(open.ok);
  assertEquals(open.value.endsAt, null);
});

Deno.test("parseScheduledStart() reads zones, offsets and the browser's offset", () => {
  assertEquals(
    parseScheduledStart("2026-11-28T15:00:00+02:00", "", NOW),
    { at: new Date("2026-11-28T13:00:00Z") },
  );
  assertEquals(
    parseScheduledStart("2026-11-28T08:00", "-300", NOW),
    { at: new Date("2026-11-28T13:00:00Z") },
    "a local time typed in New York (UTC-5) is 13:00 UTC",
  );
  assertEquals(
    parseScheduledStart("2026-11-28T13:00:00.250Z", "", NOW),
    { at: new Date("2026-11-28T13:00:00.250Z") },
  );
  assertEquals(parseScheduledStart("2026-11-28T13:00", "abc", NOW), {
    error: "Invalid scheduled start time format: use a date and time like 2026-12-31T10:00.",
  });
});

Deno.test("statusOf() and statusText() follow the ballot's window", () => {
  const pending = { startsAt: new Date("2026-11-28T12:05:00Z"), endsAt: null };
  assertEquals(statusOf(pending, NOW), "pending");
  assertEquals(statusText(pending, NOW), "starts in 5 minutes");

  const ending = {
    startsAt: new Date("2026-11-28T11:00:00Z"),
    endsAt: new Date("2026-11-28T14:30:00Z"),
  };
  assertEquals(statusOf(ending, NOW), "active");
  assertEquals(statusText(ending, NOW), "ends in 2 hours");

  const open = { startsAt: new Date("2026-11-28T11:00:00Z"), endsAt: null };
  assertEquals(statusText(open, NOW), "voting open");

  const ended = { startsAt: new Date("2026-11-28T10:00:00Z"), endsAt: NOW };
  assertEquals(statusOf(ended, NOW), "ended");
  assertEquals(statusText(ended, NOW), "voting closed");
});

Deno.test("formatSpan() rounds down to the largest unit, singular at 1", () => {
  assertEquals(formatSpan(0), "0 seconds");
  assertEquals(formatSpan(1_000), "1 second");
  assertEquals(formatSpan(59_999), "59 seconds");
  assertEquals(formatSpan(60_000), "1 minute");
  assertEquals(formatSpan(5 * 60_000 + 59_000), "5 minutes");
  assertEquals(formatSpan(3_600_000), "1 hour");
  assertEquals(formatSpan(86_400_000 * 2 + 5), "2 days");
  assertEquals(formatSpan(86_400_000), "1 day");
});

Deno.test("nextTransition() is the start, then the end, then none", () => {
  const ballot = {
    startsAt: new Date("2026-11-28T12:05:00Z"),
    endsAt: new Date("2026-11-28T12:15:00Z"),
  };
  assertEquals(nextTransition(ballot, NOW), ballot.startsAt);
  assertEquals(nextTransition(ballot, new Date("2026-11-28T12:10:00Z")), ballot.endsAt);
  assertEquals(nextTransition(ballot, new Date("2026-11-28T12:15:00Z")), null);
});

Deno.test("newBallotId() makes opaque URL-safe ids that isBallotId() accepts", () => {
  const ids = new Set(Array.from({ length: 1000 }, newBallotId));
  assertEquals(ids.size, 1000);
  for (const id of ids) assert(isBallotId(id), `"${id}" should be a ballot id`);
  assert(!isBallotId("1"));
  assert(!isBallotId("../../etc/passwd"));
  assert(!isBallotId("AAAAAAAAAAAAAAA<"));
});

Deno.test("validateCreateBallot() normalises measure and options (NFKC, spaces) and splits on full-width commas", () => {
  const result = validateCreateBallot(
    form({ measure: "  Ｌｕｎｃｈ  today? ", options_raw: "ﬁsh，Ｐｉｚｚａ , sushi" }),
    NOW,
  );
  assert(result.ok);
  assertEquals(result.value.measure, "Lunch today?");
  assertEquals(result.value.options, ["fish", "Pizza", "sushi"]);
});

Deno.test("validateCreateBallot() finds duplicates by case, width and invisible characters", () => {
  const duplicate = (options_raw: string) => errorsOf({ options_raw }).options_raw;
  assertEquals(duplicate("Yes, yes"), 'Remove the duplicate option "yes" (the same as "Yes").');
  assertEquals(duplicate("Yes, Ｙes"), 'Remove the duplicate option "Yes".');
  assertEquals(duplicate("Yes, YES, No"), 'Remove the duplicate option "YES" (the same as "Yes").');
  assertEquals(
    duplicate("Straße, STRASSE"),
    'Remove the duplicate option "STRASSE" (the same as "Straße").',
  );
  assertEquals(duplicate("Yes, Yes!"), undefined, "punctuation makes another option");
});

Deno.test("validateCreateBallot() refuses invisible and direction-control characters", () => {
  const message = "Text must not contain invisible or direction-control characters.";
  for (
    const char of ["\u200B", "\u200E", "\u200F", "\u202E", "\u2066", "\u2069", "\uFEFF", "\u00AD"]
  ) {
    const code = `U+${char.codePointAt(0)!.toString(16)}`;
    assertEquals(errorsOf({ options_raw: `Yes, Y${char}es` }).options_raw, message, code);
    assertEquals(errorsOf({ options_raw: `No, x${char}x` }).options_raw, message, code);
    assertEquals(errorsOf({ measure: `Lunch${char}?` }).measure, message, code);
  }
  assertEquals(
    errorsOf({ options_raw: "a\u0001, b" }).options_raw,
    "Text must not contain control characters.",
  );
  assertEquals(
    errorsOf({ options_raw: "a\tb, c" }).options_raw,
    "Text must not contain control characters.",
    "a tab is refused, not folded into a space",
  );
  assertEquals(errorsOf({ options_raw: "👨\u200D👩\u200D👧, 🌮" }).options_raw, undefined);
});

Deno.test("validateCreateBallot() reserves __write_in__ as an option name", () => {
  const message = '"__write_in__" is reserved for write-ins; choose another name.';
  assertEquals(errorsOf({ options_raw: "a, __write_in__" }).options_raw, message);
  assertEquals(errorsOf({ options_raw: "a, __WRITE_IN__" }).options_raw, message);
  assertEquals(errorsOf({ options_raw: "a, __write_in" }).options_raw, undefined);
});

Deno.test("validateCreateBallot() refuses a scheduled start more than 366 days ahead", () => {
  const start = (scheduled_start_time: string, duration_mins = "527040") =>
    errorsOf({ start_time_type: "scheduled", scheduled_start_time, duration_mins })
      .scheduled_start_time;
  const message = "Scheduled start time must be within 366 days from now.";
  assertEquals(start("9999-12-31T23:59Z"), message);
  assertEquals(start("2027-11-29T12:00:01Z"), message);
  assertEquals(start("2027-11-29T12:00:00Z"), undefined, "366 days to the millisecond");
  const longest = validateCreateBallot(
    form({
      start_time_type: "scheduled",
      scheduled_start_time: "2027-11-29T12:00Z",
      duration_mins: "527040",
    }),
    NOW,
  );
  assert(longest.ok);
  assertEquals(longest.value.endsAt, new Date("2028-11-29T12:00:00Z"));
});

Deno.test("validateCreateBallot() refuses a huge measure or option unread", () => {
  assertEquals(
    errorsOf({ measure: "m".repeat(60_000) }).measure,
    "The question can have at most 255 characters.",
  );
  assertEquals(
    errorsOf({ options_raw: `a, ${"o".repeat(60_000)}` }).options_raw,
    "Each option needs between 1 and 64 characters.",
  );
});
