/**
 * The create form's times and words over real HTTP: a start without seconds,
 * a custom end, the time_zone field (and the zone remembered from the last
 * ballot), the new fields' messages, where focus goes after a refusal, the
 * SPEC's names kept findable, and the JSON API's end and zone.
 */
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotIncludes,
  assertStringIncludes,
} from "../_support/assert.ts";
import { Client } from "../_support/client.ts";
import { startTestServer, type TestServer } from "../_support/server.ts";

let server: TestServer;

const NEXT_YEAR = new Date().getUTCFullYear() + 1;
/** The year of the next `MM-DD` at least two days ahead: in the future, within the 366-day bound. */
function yearOf(monthDay: string): number {
  const year = new Date().getUTCFullYear();
  return Date.parse(`${year}-${monthDay}T00:00:00Z`) > Date.now() + 2 * 86_400_000
    ? year
    : year + 1;
}
const wall = (monthDay: string, time: string, year = yearOf(monthDay)) =>
  `${year}-${monthDay}T${time}`;

const VALID = { measure: "Lunch?", options_raw: "tacos, pizza" };

async function stored(id: string) {
  const ballot = await server.oponn.deps.oponn.getBallot(id);
  assert(ballot, `ballot ${id} stored`);
  return {
    start: ballot.startsAt.toISOString(),
    end: ballot.endsAt?.toISOString() ?? null,
  };
}

/** The attributes of the element with `id`, as one string (order kept). */
function tagOf(html: string, id: string): string {
  const match = new RegExp(`<[a-z]+ [^>]*id="${id}"[^>]*>`).exec(html);
  assert(match, `an element with id="${id}"`);
  return match[0];
}

Deno.test("create form: times, zones, words and focus", async (t) => {
  server = await startTestServer();
  try {
    await t.step("the form: question box with its limit, words, SPEC names kept", async () => {
      const html = await new Client(server.url).open("/create");
      assertMatch(html, /<label for="measure">question<\/label>/);
      assertMatch(html, /<textarea[^>]*name="measure"[^>]*maxlength="255"/);
      assertStringIncludes(html, "(up to 255 characters)");
      assertMatch(html, /<button[^>]*id="initialize_ballot"[^>]*>create_ballot<\/button>/);
      assertMatch(html, /<label for="allow_write_in">\s*allow_write_ins/);
      assertStringIncludes(html, "<legend>starts</legend>");
      assertStringIncludes(html, "<legend>ends</legend>");
      // The no-JS start field (in <noscript>) keeps the SPEC's label name as its id, to the minute.
      assertStringIncludes(html, 'id="commencement_timestamp"');
      assertMatch(tagOf(html, "scheduled_start_time"), /step="60"/);
      assertMatch(tagOf(html, "end_time"), /type="datetime-local"[^>]*step="60"/);
      // The zone: UTC unless chosen, every IANA zone offered.
      assertMatch(html, /<option value="UTC" selected>UTC<\/option>/);
      assertStringIncludes(html, '<option value="Europe/Berlin">Europe/Berlin</option>');
      assertStringIncludes(html, "(UTC unless you choose)");
      for (const value of ["10", "60", "1440", "0"]) assertStringIncludes(html, `value="${value}"`);
      assertNotIncludes(html, " autofocus");
    });

    await t.step(
      "a start without seconds and an end at a wall time, read in the zone",
      async () => {
        const client = new Client(server.url);
        const id = await client.createBallot({
          ...VALID,
          start_time_type: "scheduled",
          scheduled_start_time: wall("07-01", "10:00"),
          end_type: "at",
          end_time: wall("07-02", "18:30", yearOf("07-01")),
          time_zone: "Europe/Berlin",
        });
        assertEquals(await stored(id), {
          start: `${yearOf("07-01")}-07-01T08:00:00.000Z`,
          end: `${yearOf("07-01")}-07-02T16:30:00.000Z`,
        });
        // The zone is remembered for this browser's next ballot (no JavaScript needed).
        const again = await client.open("/create");
        assertMatch(again, /<option value="Europe\/Berlin" selected>/);
        assertStringIncludes(again, "(from your last ballot)");
        // An ISO instant with an offset is that instant, whatever the zone.
        const offset = await client.createBallot({
          ...VALID,
          start_time_type: "scheduled",
          scheduled_start_time: `${wall("01-15", "09:00")}-08:00`,
          end_type: "custom",
          duration_amount: "36",
          duration_unit: "hours",
          time_zone: "Asia/Tokyo",
        });
        assertEquals(await stored(offset), {
          start: `${yearOf("01-15")}-01-15T17:00:00.000Z`,
          end: `${yearOf("01-15")}-01-17T05:00:00.000Z`,
        });
      },
    );

    await t.step("the new fields' messages, on the field, plain and HTMX", async () => {
      const client = new Client(server.url);
      const cases: [Record<string, string>, string, string][] = [
        [
          { end_type: "at", end_time: "" },
          "end_time",
          "End time is required when 'at' is selected.",
        ],
        [{ end_type: "at", end_time: "soon" }, "end_time", "Invalid end time format"],
        [{ end_type: "at", end_time: "2000-01-01T10:00" }, "end_time", "must be in the future."],
        [
          {
            start_time_type: "scheduled",
            scheduled_start_time: wall("03-01", "12:00"),
            end_type: "at",
            end_time: wall("03-01", "11:00", yearOf("03-01")),
          },
          "end_time",
          "End time must be after the start.",
        ],
        [
          {
            end_type: "at",
            end_time: `${NEXT_YEAR + 2}-12-31T10:00`,
          },
          "end_time",
          "within 366 days of the start.",
        ],
        [
          { end_type: "custom", duration_amount: "0" },
          "duration_amount",
          "a whole number, 1 or more.",
        ],
        [
          { end_type: "custom", duration_amount: "400", duration_unit: "days" },
          "duration_amount",
          "at most 366 days.",
        ],
        [{ end_type: "never" }, "end_type", "End type must be duration, custom or at."],
        [{ time_zone: "Mars/Olympus" }, "time_zone", "Choose a time zone from the list."],
      ];
      for (const [fields, field, message] of cases) {
        for (const htmx of [false, true]) {
          const response = await client.post("/create", { ...VALID, ...fields }, { htmx });
          const html = await response.text();
          assertEquals(response.status, 200, `${field}: ${message}`);
          assertMatch(
            html,
            new RegExp(`id="${field}-error"[^>]*>[^<]*${message.replace(/[.()]/g, "\\$&")}`),
          );
          assertStringIncludes(html, 'role="alert"');
          if (field !== "end_type") {
            const control = tagOf(html, field === "end_type" ? "end_type-duration" : field);
            assertMatch(control, /aria-invalid="true"/, field);
            assertMatch(control, new RegExp(`aria-describedby="${field}-error`), field);
            assertMatch(control, /autofocus/, `${field} takes focus`);
          }
        }
      }
      // A zone outside the list is kept as sent (so it can be corrected), never as markup.
      const bad = await client.post("/create", { ...VALID, time_zone: '"><b>x' });
      const html = await bad.text();
      assertNotIncludes(html, "<b>x");
      assertStringIncludes(html, "Choose a time zone from the list.");
    });

    await t.step("after a refusal, only the first field in error takes focus", async () => {
      const client = new Client(server.url);
      for (const htmx of [false, true]) {
        const response = await client.post("/create", {
          measure: "ab",
          options_raw: "",
          end_type: "at",
          end_time: "soon",
        }, { htmx });
        const html = await response.text();
        assertEquals(html.match(/ autofocus/g)?.length, 1, "one autofocus");
        assertMatch(tagOf(html, "measure"), /autofocus/);
        assertStringIncludes(html, "The ballot was not created: 3 fields need a fix.");
        assertMatch(html, /<a href="#measure">question<\/a>/);
        assertMatch(html, /<a href="#option-input-0">options<\/a>/);
        assertMatch(html, /<a href="#end_time">ends<\/a>/);
      }
      // The options first: the first option row takes it.
      const options = await (await client.post("/create", { measure: "Lunch?", options_raw: "" }))
        .text();
      assertMatch(tagOf(options, "option-input-0"), /autofocus/);
    });

    await t.step("the JSON API takes end_type, end_time and time_zone", async () => {
      const post = (body: unknown) =>
        fetch(`${server.url}/api/v1/ballots`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        }).then(async (response) => ({ status: response.status, json: await response.json() }));
      const created = await post({
        measure: "Lunch?",
        options: ["tacos", "pizza"],
        start_time_type: "scheduled",
        scheduled_start_time: wall("06-30", "10:00"),
        end_type: "at",
        end_time: wall("06-30", "18:00", yearOf("06-30")),
        time_zone: "America/Los_Angeles",
      });
      assertEquals(created.status, 201, JSON.stringify(created.json));
      assertEquals(created.json.starts_at, `${yearOf("06-30")}-06-30T17:00:00.000Z`);
      assertEquals(created.json.ends_at, `${yearOf("06-30")}-07-01T01:00:00.000Z`);
      const refused = await post({ measure: "Lunch?", options: ["a", "b"], time_zone: "Nowhere" });
      assertEquals(refused.status, 400);
      assertEquals(refused.json.error.field, "time_zone");
      assertEquals(refused.json.error.message, "Choose a time zone from the list.");
      // Without the new fields the API behaves as before.
      const plain = await post({ measure: "Lunch?", options: ["a", "b"], duration_mins: 10 });
      assertEquals(plain.status, 201);
      assertEquals(
        Date.parse(plain.json.ends_at) - Date.parse(plain.json.starts_at),
        10 * 60_000,
      );
    });
  } finally {
    await server.close();
  }
});
