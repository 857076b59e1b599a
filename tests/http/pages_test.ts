/** Every route and message of SPEC section 2, over real HTTP against a real Oponn. */
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotIncludes,
  assertStringIncludes,
} from "../_support/assert.ts";
import { Client, readCounts } from "../_support/client.ts";
import { startTestServer, type TestServer } from "../_support/server.ts";

let server: TestServer;

async function withServer(t: Deno.TestContext, steps: Record<string, () => Promise<void>>) {
  server = await startTestServer();
  try {
    for (const [name, fn] of Object.entries(steps)) await t.step(name, fn);
  } finally {
    await server.close();
  }
}

function future(ms: number): string {
  return new Date(Date.now() + ms).toISOString();
}

Deno.test("pages, forms and messages", async (t) => {
  await withServer(t, {
    async "GET / with no ballots shows no_active_ballots_found and a create_ballot link with id initialize_ballot"() {
      const client = new Client(server.url);
      const response = await client.get("/");
      const html = await response.text();
      assertEquals(response.status, 200);
      assertStringIncludes(html, "active_ballots");
      assertStringIncludes(html, "no_active_ballots_found");
      // The SPEC's `initialize_ballot` names the link for scripts; people read create_ballot.
      assertMatch(
        html,
        /<a[^>]*href="\/create"[^>]*id="initialize_ballot"[^>]*>create_ballot<\/a>/,
      );
      assertNotIncludes(html, ">initialize_ballot<");
    },

    async "every page carries the security headers and sets the CSRF cookie"() {
      const response = await new Client(server.url).get("/create");
      await response.body?.cancel();
      const csp = response.headers.get("content-security-policy")!;
      assertStringIncludes(csp, "script-src 'self'");
      assertNotIncludes(csp, "unsafe-inline");
      assertStringIncludes(csp, "frame-ancestors 'none'");
      assertEquals(response.headers.get("x-content-type-options"), "nosniff");
      assertEquals(response.headers.get("referrer-policy"), "same-origin");
      const cookie = response.headers.getSetCookie().find((c) => c.startsWith("oponn_csrf_token="));
      assert(cookie, "the CSRF cookie is set");
      assertStringIncludes(cookie, "HttpOnly");
      assertStringIncludes(cookie, "SameSite=Lax");
    },

    async "GET /create shows new_ballot with the token in a hidden field"() {
      const client = new Client(server.url);
      const html = await client.open("/create");
      assertStringIncludes(html, "new_ballot");
      assertMatch(html, /<input type="hidden" name="X-CSRF-Token" value="[A-Za-z0-9_-]{43}"/);
      assertStringIncludes(
        html,
        `hx-headers="{&quot;X-CSRF-Token&quot;:&quot;${client.csrfToken}&quot;}"`,
      );
      for (const value of ["10", "60", "1440", "0"]) assertStringIncludes(html, `value="${value}"`);
    },

    async "GET /partials/start-time-input gives the scheduled input, or nothing for now"() {
      const client = new Client(server.url);
      const scheduled = await client.get("/partials/start-time-input?start_time_type=scheduled");
      const html = await scheduled.text();
      assertEquals(scheduled.status, 200);
      assertStringIncludes(html, "commencement_timestamp");
      assertStringIncludes(html, 'name="scheduled_start_time"');
      assertNotIncludes(html, "<html");
      const now = await client.get("/partials/start-time-input?start_time_type=now");
      assertEquals(now.status, 200);
      assertEquals(await now.text(), "");
    },

    async "POST /create over HTMX: 204 + HX-Redirect to the vote page"() {
      const client = new Client(server.url);
      const response = await client.post("/create", {
        measure: "Lunch?",
        options_raw: "pizza, sushi",
        duration_mins: "60",
      }, { htmx: true });
      assertEquals(response.status, 204);
      assertMatch(response.headers.get("hx-redirect")!, /^\/vote\/[A-Za-z0-9_-]{16}$/);
    },

    async "POST /create plain: 303 to the vote page, listed on the dashboard"() {
      const client = new Client(server.url);
      const id = await client.createBallot({ measure: "Where to meet", options_raw: "park, cafe" });
      const html = await (await client.get("/")).text();
      assertStringIncludes(html, "Where to meet");
      assertStringIncludes(html, id);
      assertStringIncludes(html, `href="/vote/${id}"`);
      assertStringIncludes(html, `href="/results/${id}"`);
      assertStringIncludes(html, "ends in 59 minutes");
    },

    async "POST /create errors over HTMX: 200, the form fragment, messages and typed values"() {
      const client = new Client(server.url);
      const response = await client.post("/create", {
        measure: "ab",
        options_raw: "only",
        start_time_type: "scheduled",
        scheduled_start_time: "2020-01-01T10:00",
        duration_mins: "10",
      }, { htmx: true });
      const html = await response.text();
      assertEquals(response.status, 200);
      assertNotIncludes(html, "<html");
      assertMatch(html, /^<form id="create-form"/);
      assertMatch(html, /class="field-error-msg"[^>]*>The question needs at least 3 characters\.</);
      assertMatch(
        html,
        /class="field-error-msg"[^>]*>Add at least 2 options when write-ins are disabled\.</,
      );
      assertMatch(
        html,
        /class="field-error-msg"[^>]*>Scheduled start time must be in the future\.</,
      );
      assertMatch(html, /<textarea[^>]*name="measure"[^>]*>ab<\/textarea>/);
      assertStringIncludes(html, 'value="only"');
      assertStringIncludes(html, 'value="2020-01-01T10:00"');
      assertMatch(html, /<option value="10" selected>/);
      assertMatch(html, /value="scheduled" checked/);
    },

    async "POST /create errors plain: 200 with the whole page"() {
      const client = new Client(server.url);
      const response = await client.post("/create", { measure: "x".repeat(256), options_raw: "" });
      const html = await response.text();
      assertEquals(response.status, 200);
      assertMatch(html, /^<!doctype html><html/);
      assertStringIncludes(html, "The question can have at most 255 characters.");
      assertStringIncludes(html, "Add at least 1 item.");
    },

    async "POST /create: each create message of the spec"() {
      const client = new Client(server.url);
      const cases: [Record<string, string>, string][] = [
        [{ options_raw: `a, ${"b".repeat(65)}` }, "Each option needs between 1 and 64 characters."],
        [
          { start_time_type: "scheduled" },
          "Scheduled start time is required when 'scheduled' is selected.",
        ],
        [
          { start_time_type: "scheduled", scheduled_start_time: "soon" },
          "Invalid scheduled start time format: use a date and time like 2026-12-31T10:00.",
        ],
      ];
      for (const [fields, message] of cases) {
        const response = await client.post("/create", {
          measure: "Valid measure",
          options_raw: "a, b",
          ...fields,
        }, { htmx: true });
        const html = await response.text();
        assertStringIncludes(html, message);
      }
      const writeIns = await client.post("/create", {
        measure: "Name the cat",
        options_raw: "Tom",
        allow_write_in: "on",
      });
      await writeIns.body?.cancel();
      assertEquals(writeIns.status, 303, "one option suffices with write-ins");
    },

    async "a measure or option that looks like markup is shown as text"() {
      const client = new Client(server.url);
      const id = await client.createBallot({
        measure: "<script>alert(1)</script>",
        options_raw: "<img src=x onerror=alert(1)>, <b>bold</b>",
      });
      for (const path of ["/", `/vote/${id}`, `/results/${id}`]) {
        const html = await (await client.get(path)).text();
        assertNotIncludes(html, "<script>alert(1)</script>", path);
        assertNotIncludes(html, "<img src=x", path);
        assertStringIncludes(html, "&lt;script>alert(1)&lt;/script>", path);
      }
      const counts = readCounts(await (await client.get(`/results/${id}`)).text());
      assertEquals(counts, { "<img src=x onerror=alert(1)>": 0, "<b>bold</b>": 0 });
    },

    async "GET /vote/{id}: radios, write-in, status, cast_vote, link to results"() {
      const client = new Client(server.url);
      const id = await client.createBallot({
        measure: "Pick a color",
        options_raw: "red, green",
        allow_write_in: "on",
        duration_mins: "0",
      });
      const html = await (await client.get(`/vote/${id}`)).text();
      assertMatch(html, /type="radio" name="option" value="red"/);
      assertMatch(html, /type="radio" name="option" value="green"/);
      assertMatch(html, /value="__write_in__"/);
      assertStringIncludes(html, 'name="write_in_value"');
      assertStringIncludes(html, "voting open");
      assertMatch(html, /<button type="submit"[^>]*id="cast-vote"[^>]*>cast_vote<\/button>/);
      assertNotIncludes(html.match(/<button[^>]*id="cast-vote"[^>]*>/)![0], "disabled");
      assertStringIncludes(html, `href="/results/${id}"`);
      assertStringIncludes(html, `sse-connect="/ballots/${id}/live-results"`);
    },

    async "POST /vote/{id}: HTMX 204 + HX-Redirect, plain 303, counted on the results page"() {
      const client = new Client(server.url);
      const id = await client.createBallot({
        measure: "Tea or coffee",
        options_raw: "tea, coffee",
      });
      const htmx = await client.post(`/vote/${id}`, { option: "tea" }, { htmx: true });
      assertEquals(htmx.status, 204);
      assertEquals(htmx.headers.get("hx-redirect"), `/results/${id}`);
      const plain = await client.post(`/vote/${id}`, { option: "coffee" });
      await plain.body?.cancel();
      assertEquals(plain.status, 303);
      assertEquals(plain.headers.get("location"), `/results/${id}`);
      const html = await (await client.get(`/results/${id}`)).text();
      assertEquals(readCounts(html), { tea: 1, coffee: 1 });
      assertStringIncludes(html, "50.0%");
      assertStringIncludes(html, 'aria-live="polite"');
    },

    async "POST /vote/{id}: write-ins are stripped of tags and counted in their own row"() {
      const client = new Client(server.url);
      const id = await client.createBallot({
        measure: "Best pet",
        options_raw: "cat, dog",
        allow_write_in: "on",
      });
      for (const value of ["<b>axolotl</b>", "axolotl", " cat "]) {
        const response = await client.post(`/vote/${id}`, {
          option: "__write_in__",
          write_in_value: value,
        });
        await response.body?.cancel();
        assertEquals(response.status, 303);
      }
      const counts = readCounts(await (await client.get(`/results/${id}`)).text());
      assertEquals(counts, { cat: 1, dog: 0, axolotl: 2 });
    },

    async "POST /vote/{id}: refusals keep the form, record nothing, 400 / 409 when plain"() {
      const client = new Client(server.url);
      const open = await client.createBallot({ measure: "No write-ins", options_raw: "a, b" });
      const later = await client.createBallot({
        measure: "Later",
        options_raw: "a, b",
        start_time_type: "scheduled",
        scheduled_start_time: future(3_600_000),
      });
      const cases: [string, Record<string, string>, string, number][] = [
        [open, { option: "zzz" }, "Invalid option for this ballot.", 400],
        [
          open,
          { option: "__write_in__", write_in_value: "c" },
          "Write-in votes are not allowed for this ballot.",
          400,
        ],
        [later, { option: "a" }, "Voting has not started for this ballot.", 409],
      ];
      for (const [id, form, message, plainStatus] of cases) {
        const htmx = await client.post(`/vote/${id}`, form, { htmx: true });
        const fragment = await htmx.text();
        assertEquals(htmx.status, 200, message);
        assertMatch(fragment, /^<form id="vote-form"/);
        assertMatch(fragment, new RegExp(`class="field-error-msg"[^>]*>${message}<`));
        const plain = await client.post(`/vote/${id}`, form);
        const page = await plain.text();
        assertEquals(plain.status, plainStatus, message);
        assertMatch(page, /^<!doctype html>/);
        assertStringIncludes(page, message);
      }
      const pending = await (await client.get(`/vote/${later}`)).text();
      assertStringIncludes(pending, "starts in 59 minutes");
      assertMatch(pending, /<button type="submit"[^>]*id="cast-vote"[^>]*disabled/);
      assertEquals(readCounts(await (await client.get(`/results/${open}`)).text()), { a: 0, b: 0 });
    },

    async "POST /vote/{id}: write-in value messages"() {
      const client = new Client(server.url);
      const id = await client.createBallot({
        measure: "Open ballot",
        options_raw: "a",
        allow_write_in: "on",
      });
      const empty = await client.post(`/vote/${id}`, {
        option: "__write_in__",
        write_in_value: "<i></i>",
      }, {
        htmx: true,
      });
      assertStringIncludes(await empty.text(), "Write-in value required: type your option.");
      const long = await client.post(`/vote/${id}`, {
        option: "__write_in__",
        write_in_value: "x".repeat(65),
      });
      assertEquals(long.status, 400);
      const html = await long.text();
      assertStringIncludes(html, "The write-in can have at most 64 characters.");
      assertStringIncludes(html, `value="${"x".repeat(65)}"`, "the typed write-in is kept");
    },

    async "a ballot that ended refuses votes with Voting has ended for this ballot"() {
      const client = new Client(server.url);
      const id = await client.createBallot({
        measure: "Short one",
        options_raw: "a, b",
        duration_mins: "10",
      });
      const ballot = (await server.oponn.deps.oponn.getBallot(id))!;
      server.oponn.deps.oponn.cache.set({ ...ballot, endsAt: new Date(Date.now() - 1000) });
      const response = await client.post(`/vote/${id}`, { option: "a" });
      assertEquals(response.status, 409);
      assertStringIncludes(await response.text(), "Voting has ended for this ballot");
      const results = await (await client.get(`/results/${id}`)).text();
      assertStringIncludes(results, "voting closed");
    },

    async "CSRF: a POST without the token, or with another one, is 403 and writes nothing"() {
      const client = new Client(server.url);
      await client.open("/create");
      const before = await server.oponn.deps.oponn.countBallots();
      const missing = await client.post("/create", { measure: "Sneaky", options_raw: "a, b" }, {
        csrf: false,
      });
      assertEquals(missing.status, 403);
      assertStringIncludes(await missing.text(), "Invalid or Missing CSRF Token");
      const foreign = await client.post("/create", { measure: "Sneaky", options_raw: "a, b" }, {
        csrf: "A".repeat(43),
      });
      assertEquals(foreign.status, 403);
      await foreign.body?.cancel();
      const noCookie = new Client(server.url);
      noCookie.csrfToken = client.csrfToken;
      const stolen = await noCookie.post("/create", { measure: "Sneaky", options_raw: "a, b" });
      assertEquals(stolen.status, 403);
      await stolen.body?.cancel();
      const formField = await client.post("/create", {
        "X-CSRF-Token": client.csrfToken,
        measure: "Via the form field",
        options_raw: "a, b",
      }, { csrf: false });
      await formField.body?.cancel();
      assertEquals(formField.status, 303, "the hidden form field is accepted too");
      assertEquals(await server.oponn.deps.oponn.countBallots(), before + 1);
    },

    async "a body over 64 KiB is refused with 413"() {
      const client = new Client(server.url);
      const response = await client.post("/create", {
        measure: "Big",
        options_raw: "a,".repeat(40_000),
      });
      assertEquals(response.status, 413);
      await response.body?.cancel();
    },

    async "unknown and malformed ids are 404 pages, never 500"() {
      const client = new Client(server.url);
      for (
        const path of [
          "/vote/AAAAAAAAAAAAAAAA",
          "/vote/1",
          "/results/%00%ff",
          "/results/AAAAAAAAAAAAAAAA",
          "/ballots/..%2F..%2Fetc/live-results",
          "/no/such/page",
        ]
      ) {
        const response = await client.get(path);
        const html = await response.text();
        assertEquals(response.status, 404, path);
        assertStringIncludes(html, "not_found", path);
      }
      const vote = await client.post("/vote/AAAAAAAAAAAAAAAA", { option: "a" });
      assertEquals(vote.status, 404);
      await vote.body?.cancel();
    },

    async "static assets come from this server: css, htmx, the sse extension"() {
      const client = new Client(server.url);
      const html = await (await client.get("/")).text();
      for (
        const pattern of [
          /\/static\/app\.css\?v=\w+/,
          /\/vendor\/htmx\.min\.js\?v=\w+/,
          /\/vendor\/sse\.min\.js\?v=\w+/,
        ]
      ) {
        const href = html.match(pattern)![0];
        const response = await client.get(href);
        const body = await response.text();
        assertEquals(response.status, 200, href);
        assert(body.length > 1000, href);
        assertStringIncludes(response.headers.get("cache-control")!, "immutable");
      }
      assertNotIncludes(html, "https://", "no CDN");
      assertNotIncludes(
        html.replace(/<script src="[^"]+" defer><\/script>/g, ""),
        "<script",
        "no inline script",
      );
    },
  });
});
