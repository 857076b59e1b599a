/**
 * Findings 7 and 8 of issue 9 over real HTTP: look-alike labels are refused
 * with a message, `__write_in__` is reserved, a far-future start is a field
 * message (not a 500), and user text renders isolated from the page's direction.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_support/assert.ts";
import { Client, unescapeHtml } from "../_support/client.ts";
import { startTestServer, type TestServer } from "../_support/server.ts";

let server: TestServer;

async function refusal(form: Record<string, string>, htmx: boolean) {
  const client = new Client(server.url);
  const response = await client.post("/create", { duration_mins: "60", ...form }, { htmx });
  const html = await response.text();
  const messages = [...html.matchAll(/class="field-error-msg"[^>]*>([^<]*)</g)]
    .map((match) => unescapeHtml(match[1]));
  return { status: response.status, messages, html };
}

Deno.test("labels and dates: every look-alike or out-of-range field is a 200 with its message", async (t) => {
  server = await startTestServer();
  try {
    const cases: [string, Record<string, string>, string][] = [
      [
        "a zero-width space makes no new option",
        { measure: "Lunch?", options_raw: "Yes, Ye\u200Bs" },
        "Text must not contain invisible or direction-control characters.",
      ],
      [
        "a right-to-left override in the measure",
        { measure: "Vote \u202Eon this", options_raw: "a, b" },
        "Text must not contain invisible or direction-control characters.",
      ],
      [
        "options that differ only in case",
        { measure: "Lunch?", options_raw: "Yes, yes" },
        'Remove the duplicate option "yes" (the same as "Yes").',
      ],
      [
        "options that differ only in width",
        { measure: "Lunch?", options_raw: "Yes, Ｙes" },
        'Remove the duplicate option "Yes".',
      ],
      [
        "the reserved option name",
        { measure: "Lunch?", options_raw: "a, __write_in__" },
        '"__write_in__" is reserved for write-ins; choose another name.',
      ],
      [
        "a start on 9999-12-31 with the longest duration",
        {
          measure: "Far away",
          options_raw: "a, b",
          start_time_type: "scheduled",
          scheduled_start_time: "9999-12-31T23:59:59Z",
          duration_mins: "527040",
        },
        "Scheduled start time must be within 366 days from now.",
      ],
    ];
    for (const [name, form, message] of cases) {
      await t.step(name, async () => {
        for (const htmx of [false, true]) {
          const answer = await refusal(form, htmx);
          assertEquals(answer.status, 200, `${name}${htmx ? " [htmx]" : ""}`);
          assert(answer.messages.includes(message), `${name}: ${answer.messages.join(" | ")}`);
        }
      });
    }
    await t.step("nothing was created", async () => {
      const html = await (await new Client(server.url).get("/")).text();
      assertStringIncludes(html, "no_active_ballots_found");
    });
  } finally {
    await server.close();
  }
});

Deno.test("labels: measures, options and write-ins render isolated (<bdi> or dir=auto) on every page", async () => {
  server = await startTestServer();
  try {
    const client = new Client(server.url);
    const id = await client.createBallot({
      measure: "שלום world",
      options_raw: "עברית, English",
      allow_write_in: "on",
    });
    const vote = await client.post(`/vote/${id}`, {
      option: "__write_in__",
      write_in_value: "مرحبا",
    });
    await vote.body?.cancel();
    assertEquals(vote.status, 303);
    const dashboard = await (await client.get("/")).text();
    assertMatch(dashboard, /<a class="ballot-measure"[^>]*dir="auto"[^>]*>שלום world<\/a>/);
    const votePage = await (await client.get(`/vote/${id}`)).text();
    assertMatch(votePage, /<h1[^>]*dir="auto"[^>]*>שלום world<\/h1>/);
    assertStringIncludes(votePage, '<span dir="auto">עברית</span>');
    assertMatch(votePage, /<input[^>]*id="write_in_value"[^>]*dir="auto"/);
    const results = await (await client.get(`/results/${id}`)).text();
    assertMatch(results, /<h1[^>]*dir="auto"[^>]*>שלום world<\/h1>/);
    for (const label of ["עברית", "English", "مرحبا"]) {
      assertStringIncludes(results, `<bdi>${label}</bdi>`);
    }
  } finally {
    await server.close();
  }
});
