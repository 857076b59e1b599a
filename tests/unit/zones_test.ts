/** Wall times in named zones (lib/ballots/zones.ts) and the create form's end (lib/ballots/rules.ts). */
import { isTimeZone, offsetAt, timeZones, wallTimeToInstant } from "../../lib/ballots/zones.ts";
import {
  type CreateBallotForm,
  emptyCreateForm,
  parseInstant,
  validateCreateBallot,
} from "../../lib/ballots/rules.ts";
import { assert, assertEquals } from "../_support/assert.ts";

/** The instant clocks in `zone` show `wall` (`YYYY-MM-DDTHH:MM`), as an ISO string. */
function at(wall: string, zone: string): string {
  const [date, time] = wall.split("T");
  const [y, mo, d] = date.split("-").map(Number);
  const [h, mi] = time.split(":").map(Number);
  return wallTimeToInstant(Date.UTC(y, mo - 1, d, h, mi), zone).toISOString();
}

Deno.test("a wall time in a zone is the instant clocks there show it, summer and winter", () => {
  assertEquals(at("2026-07-01T12:00", "Europe/Berlin"), "2026-07-01T10:00:00.000Z");
  assertEquals(at("2026-12-31T10:00", "Europe/Berlin"), "2026-12-31T09:00:00.000Z");
  assertEquals(at("2026-07-01T12:00", "America/Los_Angeles"), "2026-07-01T19:00:00.000Z");
  assertEquals(at("2026-12-31T10:00", "America/Los_Angeles"), "2026-12-31T18:00:00.000Z");
  assertEquals(at("2026-12-31T10:00", "UTC"), "2026-12-31T10:00:00.000Z");
  assertEquals(at("2026-06-01T00:00", "Asia/Kolkata"), "2026-05-31T18:30:00.000Z");
  assertEquals(at("2026-06-01T00:00", "Asia/Kathmandu"), "2026-05-31T18:15:00.000Z");
  // The southern summer: Sydney is +11 in January, +10 in July.
  assertEquals(at("2027-01-15T09:00", "Australia/Sydney"), "2027-01-14T22:00:00.000Z");
  assertEquals(at("2026-07-15T09:00", "Australia/Sydney"), "2026-07-14T23:00:00.000Z");
});

Deno.test("around a change: the minute before and after are exact", () => {
  // Berlin springs forward at 01:00 UTC on 2026-03-29 (02:00 → 03:00 local).
  assertEquals(at("2026-03-29T01:59", "Europe/Berlin"), "2026-03-29T00:59:00.000Z");
  assertEquals(at("2026-03-29T03:00", "Europe/Berlin"), "2026-03-29T01:00:00.000Z");
  // And falls back at 01:00 UTC on 2026-10-25 (03:00 → 02:00 local).
  assertEquals(at("2026-10-25T01:59", "Europe/Berlin"), "2026-10-24T23:59:00.000Z");
  assertEquals(at("2026-10-25T03:00", "Europe/Berlin"), "2026-10-25T02:00:00.000Z");
});

Deno.test("a wall time that never happens (clocks go forward) moves forward by the gap", () => {
  // 02:30 does not exist in Berlin on 2026-03-29: it is read as 03:30 summer time.
  assertEquals(at("2026-03-29T02:30", "Europe/Berlin"), "2026-03-29T01:30:00.000Z");
  assertEquals(at("2026-03-29T02:00", "Europe/Berlin"), "2026-03-29T01:00:00.000Z");
  // Los Angeles, 2026-03-08: 02:30 PST does not exist; 03:30 PDT.
  assertEquals(at("2026-03-08T02:30", "America/Los_Angeles"), "2026-03-08T10:30:00.000Z");
  // Lord Howe moves by half an hour: 02:15 on 2026-10-04 does not exist; 02:45 (+11).
  assertEquals(at("2026-10-04T02:15", "Australia/Lord_Howe"), "2026-10-03T15:45:00.000Z");
});

Deno.test("a wall time that happens twice (clocks go back) is the earlier", () => {
  // 02:30 in Berlin on 2026-10-25 is first summer time (+2), then winter time (+1).
  assertEquals(at("2026-10-25T02:30", "Europe/Berlin"), "2026-10-25T00:30:00.000Z");
  // 01:30 in Los Angeles on 2026-11-01: PDT (-7) before PST (-8).
  assertEquals(at("2026-11-01T01:30", "America/Los_Angeles"), "2026-11-01T08:30:00.000Z");
  assertEquals(offsetAt("America/Los_Angeles", Date.parse("2026-11-01T08:30:00Z")), -420);
  assertEquals(offsetAt("America/Los_Angeles", Date.parse("2026-11-01T09:30:00Z")), -480);
});

Deno.test("zone names: every listed one is known, UTC first; made-up ones are not", () => {
  const zones = timeZones();
  assertEquals(zones[0], "UTC");
  assert(zones.length > 300, `${zones.length} zones`);
  assert(zones.includes("Europe/Berlin") && zones.includes("America/Los_Angeles"));
  for (const zone of zones) assert(isTimeZone(zone), zone);
  for (const bad of ["", "Mars/Olympus", "Europe/Berlin/../x", "<script>", "x".repeat(100)]) {
    assert(!isTimeZone(bad), bad);
  }
});

Deno.test("parseInstant: seconds optional; an offset wins over the zone; the zone reads the rest", () => {
  const berlin = { zone: "Europe/Berlin" };
  assertEquals(parseInstant("2026-12-31T10:00", berlin)?.toISOString(), "2026-12-31T09:00:00.000Z");
  assertEquals(
    parseInstant("2026-12-31T10:00:30", berlin)?.toISOString(),
    "2026-12-31T09:00:30.000Z",
  );
  assertEquals(
    parseInstant("2026-12-31T10:00+05:30", berlin)?.toISOString(),
    "2026-12-31T04:30:00.000Z",
  );
  assertEquals(
    parseInstant("2026-12-31T10:00Z", berlin)?.toISOString(),
    "2026-12-31T10:00:00.000Z",
  );
  // The manage page's fixed offset still works, and so does no zone at all (UTC).
  assertEquals(parseInstant("2026-12-31T10:00", "60")?.toISOString(), "2026-12-31T09:00:00.000Z");
  assertEquals(parseInstant("2026-12-31T10:00", "")?.toISOString(), "2026-12-31T10:00:00.000Z");
  assertEquals(parseInstant("2026-12-31T10:00", { zone: "Mars/Olympus" }), null);
});

const NOW = new Date("2026-11-28T12:00:00Z");

function create(fields: Partial<CreateBallotForm>) {
  return validateCreateBallot(
    { ...emptyCreateForm, measure: "Lunch?", options_raw: "pizza, sushi", ...fields },
    NOW,
  );
}

function errorsOf(fields: Partial<CreateBallotForm>) {
  const result = create(fields);
  return result.ok ? {} : result.errors;
}

Deno.test("a start typed in a zone, without seconds, is that zone's wall time", () => {
  const result = create({
    start_time_type: "scheduled",
    scheduled_start_time: "2026-12-31T10:00",
    time_zone: "America/Los_Angeles",
  });
  assert(result.ok);
  assertEquals(result.value.startsAt.toISOString(), "2026-12-31T18:00:00.000Z");
  // The zone outranks the browser's fixed offset (it knows the date's own offset).
  const both = create({
    start_time_type: "scheduled",
    scheduled_start_time: "2027-07-01T10:00",
    time_zone: "Europe/Berlin",
    tz_offset_mins: "60",
  });
  assert(both.ok);
  assertEquals(both.value.startsAt.toISOString(), "2027-07-01T08:00:00.000Z");
});

Deno.test("the end: a preset, a custom duration or a date and time, each the right instant", () => {
  const preset = create({ end_type: "duration", duration_mins: "10" });
  assert(preset.ok);
  assertEquals(preset.value.endsAt?.toISOString(), "2026-11-28T12:10:00.000Z");
  const none = create({ end_type: "duration", duration_mins: "0" });
  assert(none.ok);
  assertEquals(none.value.endsAt, null);
  const custom = create({ end_type: "custom", duration_amount: "3", duration_unit: "days" });
  assert(custom.ok);
  assertEquals(custom.value.endsAt?.toISOString(), "2026-12-01T12:00:00.000Z");
  const hours = create({ end_type: "custom", duration_amount: "90", duration_unit: "minutes" });
  assert(hours.ok);
  assertEquals(hours.value.endsAt?.toISOString(), "2026-11-28T13:30:00.000Z");
  const wall = create({ end_type: "at", end_time: "2026-11-28T18:30", time_zone: "Europe/Berlin" });
  assert(wall.ok);
  assertEquals(wall.value.endsAt?.toISOString(), "2026-11-28T17:30:00.000Z");
  const instant = create({ end_type: "at", end_time: "2026-11-29T00:00:00-08:00" });
  assert(instant.ok);
  assertEquals(instant.value.endsAt?.toISOString(), "2026-11-29T08:00:00.000Z");
  // An end typed across the autumn change in Berlin: the earlier 02:30.
  const scheduled = create({
    start_time_type: "scheduled",
    scheduled_start_time: "2026-10-24T20:00",
    end_type: "at",
    end_time: "2026-10-25T02:30",
    time_zone: "Europe/Berlin",
  });
  // The start lies in the past here (NOW is in November): only the start is refused.
  assertEquals(Object.keys(scheduled.ok ? {} : scheduled.errors), ["scheduled_start_time"]);
});

Deno.test("the end's messages: short sentences, one per field", () => {
  assertEquals(errorsOf({ end_type: "at", end_time: "" }), {
    end_time: "End time is required when 'at' is selected.",
  });
  assertEquals(errorsOf({ end_type: "at", end_time: "tomorrow" }), {
    end_time: "Invalid end time format: use a date and time like 2026-12-31T18:00.",
  });
  assertEquals(errorsOf({ end_type: "at", end_time: "2026-11-28T11:59Z" }), {
    end_time: "End time must be in the future.",
  });
  assertEquals(
    errorsOf({
      start_time_type: "scheduled",
      scheduled_start_time: "2026-12-01T10:00Z",
      end_type: "at",
      end_time: "2026-12-01T10:00Z",
    }),
    { end_time: "End time must be after the start." },
  );
  assertEquals(errorsOf({ end_type: "at", end_time: "2027-11-29T12:01Z" }), {
    end_time: "End time must be within 366 days of the start.",
  });
  // Exactly 366 days after the start is allowed.
  assert(create({ end_type: "at", end_time: "2027-11-29T12:00Z" }).ok);
  assertEquals(errorsOf({ end_type: "custom", duration_amount: "0" }), {
    duration_amount: "Enter the duration as a whole number, 1 or more.",
  });
  assertEquals(errorsOf({ end_type: "custom", duration_amount: "1.5" }), {
    duration_amount: "Enter the duration as a whole number, 1 or more.",
  });
  assertEquals(errorsOf({ end_type: "custom", duration_amount: "367", duration_unit: "days" }), {
    duration_amount: "The duration can be at most 366 days.",
  });
  assertEquals(errorsOf({ end_type: "custom", duration_amount: "2", duration_unit: "weeks" }), {
    duration_amount: "Choose minutes, hours or days.",
  });
  assertEquals(errorsOf({ end_type: "soon" }), {
    end_type: "End type must be duration, custom or at.",
  });
  assertEquals(errorsOf({ time_zone: "Mars/Olympus" }), {
    time_zone: "Choose a time zone from the list.",
  });
});

Deno.test("the question box's line breaks become spaces", () => {
  const result = create({ measure: "Where do we\r\n  eat\non Friday?" });
  assert(result.ok);
  assertEquals(result.value.measure, "Where do we eat on Friday?");
});
