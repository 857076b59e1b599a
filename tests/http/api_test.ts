/**
 * The JSON API (SPEC section 9) over real HTTP against a whole Oponn: every
 * route, every answer checked against the served OpenAPI document, the error
 * shapes with the HTML's messages, live JSON events with Last-Event-ID, and
 * hidden results leaving no count anywhere.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { scanRoutes } from "../../app.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotIncludes,
  assertStringIncludes,
} from "../_support/assert.ts";
import { Client } from "../_support/client.ts";
import { ApiContract, type OpenApiDocument } from "../_support/openapi.ts";
import { startTestServer, type TestServer } from "../_support/server.ts";
import { SseReader } from "../_support/sse.ts";

interface Answer {
  status: number;
  headers: Headers;
  // deno-lint-ignore no-explicit-any
  json: any;
}

async function call(
  server: TestServer,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    body: body === undefined || typeof body === "string" || body instanceof Uint8Array
      ? body as BodyInit | undefined
      : JSON.stringify(body),
  });
  const text = await response.text();
  assertMatch(
    response.headers.get("content-type") ?? "",
    /^application\/json/,
    `${method} ${path} answers JSON (${response.status}: ${text.slice(0, 200)})`,
  );
  assertEquals(response.headers.get("set-cookie"), null, "the API sets no cookie");
  return { status: response.status, headers: response.headers, json: JSON.parse(text) };
}

/** Calls and checks the answer against the document: `template` as the document names the path. */
async function checked(
  server: TestServer,
  contract: ApiContract,
  method: string,
  template: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
): Promise<Answer> {
  const answer = await call(server, method, path, body, headers);
  contract.check(method, template, answer.status, answer.json);
  return answer;
}

function createBody(extra: Record<string, unknown> = {}) {
  return { measure: "Lunch?", options: ["tacos", "pizza"], ...extra };
}

const sse = { sanitizeOps: true, sanitizeResources: true };

Deno.test({
  name: "API end to end: create → read → vote → results → events, each answer as documented",
  ...sse,
  async fn() {
    const server = await startTestServer();
    try {
      const contract = await ApiContract.fetch(server.url);
      const created = await checked(server, contract, "POST", "/ballots", "/ballots", createBody());
      assertEquals(created.status, 201);
      const id = created.json.id as string;
      assertEquals(created.headers.get("location"), `/api/v1/ballots/${id}`);
      assertEquals(created.json.options, ["tacos", "pizza"]);
      assertEquals(
        created.json.duplicate_check,
        "none",
        "a field left out: the original's behaviour",
      );
      assertEquals(created.json.listing, "listed");
      assertMatch(created.json.manage_url, new RegExp(`/manage/${id}/[A-Za-z0-9_-]{20,}$`));

      // The manage link is the API client's only way in: it works from any browser.
      const browser = new Client(server.url);
      const manage = await browser.get(new URL(created.json.manage_url).pathname);
      assertEquals(manage.status, 200);
      assertStringIncludes(await manage.text(), "close_voting");

      const read = await checked(server, contract, "GET", "/ballots/{id}", `/ballots/${id}`);
      assertEquals(read.status, 200);
      assertEquals(read.json.status, "active");
      assertEquals(read.json.manage_url, undefined, "the manage link is shown once");
      assertEquals(read.headers.get("access-control-allow-origin"), "*");

      const stream = await SseReader.open(`${server.url}/api/v1/ballots/${id}/events`);
      try {
        assertEquals(
          stream.response.headers.get("content-type"),
          "text/event-stream; charset=utf-8",
        );
        const first = await stream.waitFor((e) => e.event === "results");
        const firstData = JSON.parse(first.data);
        contract.checkComponent("Results", firstData);
        assertEquals(firstData.total, 0);
        const status = await stream.waitFor((e) => e.event === "status");
        contract.checkComponent("StatusEvent", JSON.parse(status.data));
        assertEquals(JSON.parse(status.data).status, "active");
        assertNotIncludes(stream.raw, "<", "JSON events carry no HTML");

        const vote = await checked(
          server,
          contract,
          "POST",
          "/ballots/{id}/votes",
          `/ballots/${id}/votes`,
          {
            option: "pizza",
          },
        );
        assertEquals(vote.status, 201);
        assertEquals(vote.json, { ballot_id: id, choice: "pizza" });

        const update = await stream.waitFor((e) => e.event === "results" && e.id !== first.id);
        const updated = JSON.parse(update.data);
        contract.checkComponent("Results", updated);
        assertEquals(countsOf(updated), { tacos: 0, pizza: 1 });
        assert(update.id !== "1", "the id is an opaque version, not the vote count");

        const results = await checked(
          server,
          contract,
          "GET",
          "/ballots/{id}/results",
          `/ballots/${id}/results`,
        );
        assertEquals(countsOf(results.json), { tacos: 0, pizza: 1 });
        assertEquals(results.json.total, 1);
        assertEquals(results.json.winners, null, "no winner while voting is open");

        // Reconnecting with the last id: the results it has are not sent again, the next are.
        const resumed = await SseReader.open(`${server.url}/api/v1/ballots/${id}/events`, {
          "Last-Event-ID": update.id!,
        });
        try {
          await resumed.waitFor((e) => e.event === "status");
          assertEquals(resumed.events.filter((e) => e.event === "results").length, 0);
          await call(server, "POST", `/ballots/${id}/votes`, { option: "tacos" });
          const next = await resumed.waitFor((e) => e.event === "results");
          assertEquals(countsOf(JSON.parse(next.data)), { tacos: 1, pizza: 1 });
        } finally {
          await resumed.close();
        }
      } finally {
        await stream.close();
      }

      // What the API recorded is what the page shows.
      const page = await browser.get(`/results/${id}`);
      const html = await page.text();
      assertStringIncludes(html, 'data-option="pizza" data-count="1"');
      assertStringIncludes(html, 'data-option="tacos" data-count="1"');

      // The close reaches the stream as a status event.
      const closing = await SseReader.open(`${server.url}/api/v1/ballots/${id}/events`);
      try {
        await closing.waitFor((e) => e.event === "status");
        await browser.open(new URL(created.json.manage_url).pathname);
        const close = await browser.post(`${new URL(created.json.manage_url).pathname}/close`, {});
        await close.body?.cancel();
        const ended = await closing.waitFor((e) =>
          e.event === "status" && JSON.parse(e.data).status === "ended"
        );
        contract.checkComponent("StatusEvent", JSON.parse(ended.data));
        const final = await closing.waitFor((e) =>
          e.event === "results" && JSON.parse(e.data).status === "ended"
        );
        assertEquals(JSON.parse(final.data).winners, ["tacos", "pizza"], "a tie names both");
      } finally {
        await closing.close();
      }
    } finally {
      await server.close();
    }
  },
});

function countsOf(results: { options: { label: string; count: number }[] }) {
  return Object.fromEntries(results.options.map((line) => [line.label, line.count]));
}

/** The message the HTML create form shows for the same input, read off the page. */
async function formMessages(client: Client, form: Record<string, string>): Promise<string> {
  const response = await client.post("/create", form);
  return await response.text();
}

Deno.test({
  name: "API errors: one shape, the HTML's messages, the right status for each refusal",
  ...sse,
  async fn(t) {
    const server = await startTestServer();
    try {
      const contract = await ApiContract.fetch(server.url);
      const browser = new Client(server.url);
      const error = (answer: Answer, status: number, code: string, field: string | null) => {
        assertEquals(answer.status, status, JSON.stringify(answer.json));
        assertEquals(answer.json.error.code, code);
        assertEquals(answer.json.error.field, field);
        assert(answer.json.error.message.length > 0, "a message");
      };
      const create = (body: unknown, headers?: Record<string, string>) =>
        checked(server, contract, "POST", "/ballots", "/ballots", body, headers);

      await t.step("transport: 415, 400 for malformed JSON, 413 past 64 KiB", async () => {
        error(
          await create("{}", { "content-type": "text/plain" }),
          415,
          "unsupported_media_type",
          null,
        );
        error(
          await create("measure=Lunch", { "content-type": "application/x-www-form-urlencoded" }),
          415,
          "unsupported_media_type",
          null,
        );
        error(await create('{"measure": "Lunch?",'), 400, "malformed_json", null);
        error(await create("[1, 2]"), 400, "invalid_request", null);
        error(
          await create(new Uint8Array([0x7b, 0xff, 0x7d])),
          400,
          "malformed_json",
          null,
        );
        const big = JSON.stringify(createBody({ measure: "x".repeat(70 * 1024) }));
        error(await create(big), 413, "too_large", null);
        // Without a declared length, the body is cut at the cap just the same.
        const stream = new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(big));
            controller.close();
          },
        });
        const chunked = await fetch(`${server.url}/api/v1/ballots`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: stream,
        });
        const chunkedJson = await chunked.json();
        assertEquals([chunked.status, chunkedJson.error.code], [413, "too_large"]);
        contract.check("POST", "/ballots", 413, chunkedJson);
      });

      await t.step("types: a missing or mistyped field is named", async () => {
        const missing = await create({ measure: "Lunch?" });
        error(missing, 400, "invalid_request", "options");
        assertEquals(missing.json.error.message, "options is required.");
        const wrong = await create({ measure: 42, options: "a, b" });
        error(wrong, 400, "invalid_request", "measure");
        assertEquals(wrong.json.error.message, "measure must be a string.");
        assertEquals(wrong.json.error.details.map((d: { field: string }) => d.field), [
          "measure",
          "options",
        ]);
      });

      await t.step("create rules: the create form's exact messages", async () => {
        const cases: [Record<string, unknown>, Record<string, string>, string, string][] = [
          [
            { measure: "ab" },
            { measure: "ab" },
            "measure",
            "The question needs at least 3 characters.",
          ],
          [{ options: [] }, { options_raw: "" }, "options", "Add at least 1 item."],
          [
            { options: ["solo"] },
            { options_raw: "solo" },
            "options",
            "Add at least 2 options when write-ins are disabled.",
          ],
          [
            { options: ["a", "x".repeat(65)] },
            { options_raw: `a, ${"x".repeat(65)}` },
            "options",
            "Each option needs between 1 and 64 characters.",
          ],
          [
            { start_time_type: "scheduled" },
            { start_time_type: "scheduled" },
            "scheduled_start_time",
            "Scheduled start time is required when 'scheduled' is selected.",
          ],
          [
            { start_time_type: "scheduled", scheduled_start_time: "2001-01-01T00:00:00Z" },
            { start_time_type: "scheduled", scheduled_start_time: "2001-01-01T00:00:00Z" },
            "scheduled_start_time",
            "Scheduled start time must be in the future.",
          ],
          [
            { start_time_type: "scheduled", scheduled_start_time: "next tuesday" },
            { start_time_type: "scheduled", scheduled_start_time: "next tuesday" },
            "scheduled_start_time",
            "Invalid scheduled start time format: use a date and time like 2026-12-31T10:00.",
          ],
          [
            { duration_mins: 1.5 },
            { duration_mins: "1.5" },
            "duration_mins",
            "Duration must be a whole number of minutes.",
          ],
          [
            { duplicate_check: "cookie" },
            { duplicate_check: "cookie" },
            "duplicate_check",
            "Choose none, browser or code.",
          ],
          [
            { duplicate_check: "code" },
            { duplicate_check: "code" },
            "voter_codes",
            "Enter how many voter codes to issue, from 1 to 10,000.",
          ],
          [
            { results_visibility: "never" },
            { results_visibility: "never" },
            "results_visibility",
            "Choose always, after_vote, after_close or manual.",
          ],
        ];
        for (const [api, form, field, message] of cases) {
          const answer = await create(createBody(api));
          error(answer, 400, "invalid_ballot", field);
          assertEquals(answer.json.error.message, message, JSON.stringify(api));
          const html = await formMessages(browser, {
            measure: "Lunch?",
            options_raw: "tacos, pizza",
            duration_mins: "60",
            ...form,
          });
          assertStringIncludes(html, `class="field-error-msg"`);
          assertStringIncludes(
            html,
            message,
            "the form shows the same message",
          );
        }
      });

      const id = (await create(createBody({ duration_mins: 60 }))).json.id as string;
      const vote = (ballotId: string, body: unknown) =>
        checked(
          server,
          contract,
          "POST",
          "/ballots/{id}/votes",
          `/ballots/${ballotId}/votes`,
          body,
        );

      await t.step("votes: the vote form's messages and statuses", async () => {
        error(await vote(id, { option: "sushi" }), 400, "invalid_vote", "option");
        assertEquals(
          (await vote(id, { option: "sushi" })).json.error.message,
          "Invalid option for this ballot.",
        );
        const writeIn = await vote(id, { option: "__write_in__", write_in_value: "sushi" });
        error(writeIn, 400, "invalid_vote", "option");
        assertEquals(writeIn.json.error.message, "Write-in votes are not allowed for this ballot.");
        error(await vote(id, { option: 3 }), 400, "invalid_request", "option");
        error(await vote(id, "{oops"), 400, "malformed_json", null);
        error(await vote("AAAAAAAAAAAAAAAA", { option: "tacos" }), 404, "not_found", null);
        error(await vote("not-an-id", { option: "tacos" }), 404, "not_found", null);

        const open = (await create(createBody({ allow_write_in: true }))).json.id;
        const empty = await vote(open, { option: "__write_in__", write_in_value: "<b></b>" });
        error(empty, 400, "invalid_vote", "write_in_value");
        assertEquals(empty.json.error.message, "Write-in value required: type your option.");
        const long = await vote(open, { option: "__write_in__", write_in_value: "y".repeat(65) });
        assertEquals(long.json.error.message, "The write-in can have at most 64 characters.");
        assertEquals(
          (await vote(open, { option: "__write_in__", write_in_value: "sushi" })).status,
          201,
        );
      });

      await t.step("a closed or pending ballot: 409 with the page's message", async () => {
        const later = await create(createBody({
          start_time_type: "scheduled",
          scheduled_start_time: new Date(Date.now() + 3_600_000).toISOString(),
        }));
        assertEquals(later.json.status, "pending");
        const pending = await vote(later.json.id, { option: "tacos" });
        error(pending, 409, "ballot_not_open", "option");
        assertEquals(pending.json.error.message, "Voting has not started for this ballot.");

        const owner = new Client(server.url);
        const made = await create(createBody());
        const managePath = new URL(made.json.manage_url).pathname;
        await owner.open(managePath);
        await (await owner.post(`${managePath}/close`, {})).body?.cancel();
        const ended = await vote(made.json.id, { option: "tacos" });
        error(ended, 409, "ballot_not_open", "option");
        assertEquals(ended.json.error.message, "Voting has ended for this ballot.");
      });

      await t.step(
        "a browser ballot refuses API votes; a code ballot takes voter_code",
        async () => {
          const browserBallot = await create(createBody({ duplicate_check: "browser" }));
          const refused = await vote(browserBallot.json.id, { option: "tacos" });
          error(refused, 403, "browser_ballot", null);
          assertStringIncludes(refused.json.error.message, "web page");

          const coded = await create(createBody({ duplicate_check: "code", voter_codes: 2 }));
          const codes = coded.json.voter_codes as string[];
          assertEquals(codes.length, 2);
          const ballotId = coded.json.id;
          const noCode = await vote(ballotId, { option: "tacos" });
          error(noCode, 400, "invalid_vote", "voter_code");
          assertEquals(
            noCode.json.error.message,
            "Voter code required: enter the code you were given.",
          );
          const badCode = await vote(ballotId, { option: "tacos", voter_code: "NOT-A-CODE-1234" });
          error(badCode, 403, "voter_code_refused", "voter_code");
          assertEquals(
            badCode.json.error.message,
            "This voter code is not valid or has already been used.",
          );
          assertEquals(
            (await vote(ballotId, { option: "tacos", voter_code: codes[0] })).status,
            201,
          );
          const reused = await vote(ballotId, { option: "pizza", voter_code: codes[0] });
          error(reused, 403, "voter_code_refused", "voter_code");
          const read = await call(server, "GET", `/ballots/${ballotId}`);
          assertEquals(read.json.voter_codes, undefined, "codes are shown once");
          const results = await call(server, "GET", `/ballots/${ballotId}/results`);
          assertEquals(results.json.turnout, { cast: 1, codes_issued: 2 });
        },
      );

      await t.step(
        "approval and ranked ballots: options and ranking, the kinds' messages",
        async () => {
          const badKind = await create(createBody({ kind: "plurality" }));
          error(badKind, 400, "invalid_ballot", "kind");
          const html = await formMessages(browser, {
            measure: "Lunch?",
            options_raw: "tacos, pizza",
            kind: "plurality",
          });
          assertStringIncludes(html, badKind.json.error.message, "the form says the same");

          const approval = await create(createBody({
            kind: "approval",
            max_choices: 2,
            options: ["tacos", "pizza", "sushi, with rice"],
          }));
          assertEquals(approval.status, 201);
          assertEquals(approval.json.kind, "approval");
          assertEquals(
            approval.json.options,
            ["tacos", "pizza", "sushi, with rice"],
            "a comma stays",
          );
          const aid = approval.json.id;
          const tooMany = await vote(aid, { options: ["tacos", "pizza", "sushi, with rice"] });
          error(tooMany, 400, "invalid_vote", "option");
          assertEquals(tooMany.json.error.message, "Choose at most 2 options.");
          const none = await vote(aid, { options: [] });
          assertEquals(none.json.error.message, "Choose at least one option.");
          assertEquals((await vote(aid, { options: ["tacos", "sushi, with rice"] })).status, 201);
          assertEquals((await vote(aid, { options: ["tacos"] })).status, 201);
          const approved = await checked(
            server,
            contract,
            "GET",
            "/ballots/{id}/results",
            `/ballots/${aid}/results`,
          );
          assertEquals(approved.json.total, 2, "voters, not choices");
          assertEquals(approved.json.shares_of, "voters");
          assertEquals(countsOf(approved.json), { tacos: 2, pizza: 0, "sushi, with rice": 1 });

          const ranked = await create(createBody({ kind: "ranked", options: ["a", "b", "c"] }));
          const rid = ranked.json.id;
          const empty = await vote(rid, { ranking: [] });
          error(empty, 400, "invalid_vote", empty.json.error.field);
          assertEquals(empty.json.error.message, "Rank at least one option.");
          for (const ranking of [["a", "b"], ["b", "a"], ["c", "b"], ["a"], ["c", "b", "a"]]) {
            assertEquals((await vote(rid, { ranking })).status, 201, ranking.join(">"));
          }
          const rounds = await checked(
            server,
            contract,
            "GET",
            "/ballots/{id}/results",
            `/ballots/${rid}/results`,
          );
          assertEquals(rounds.json.kind, "ranked");
          assertEquals(rounds.json.total, 5);
          assert(rounds.json.rounds.length >= 2, "instant-runoff rounds");
          assertEquals(rounds.json.rounds[0].counts.length, 3);
          assertEquals(rounds.json.winners, ["a"], "the runoff as it stands");
          assert(rounds.json.tie_break.length > 0, "the tie-break rule is stated");

          // A single ballot reads `option` only.
          const single = await vote(id, { options: ["tacos"], ranking: ["tacos", "pizza"] });
          error(single, 400, "invalid_vote", "option");
        },
      );

      await t.step("unknown routes and ballots: JSON 404", async () => {
        error(await call(server, "GET", "/nothing/here"), 404, "not_found", null);
        error(
          await checked(server, contract, "GET", "/ballots/{id}", "/ballots/AAAAAAAAAAAAAAAA"),
          404,
          "not_found",
          null,
        );
        error(
          await checked(
            server,
            contract,
            "GET",
            "/ballots/{id}/results",
            "/ballots/AAAAAAAAAAAAAAAA/results",
          ),
          404,
          "not_found",
          null,
        );
        const events = await call(server, "GET", "/ballots/AAAAAAAAAAAAAAAA/events");
        error(events, 404, "not_found", null);
        contract.check("GET", "/ballots/{id}/events", 404, events.json);
      });
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "API rate limits and stream caps answer in JSON with Retry-After",
  ...sse,
  async fn() {
    const small = {
      session: { capacity: 2, perSecond: 0.01 },
      address: { capacity: 2, perSecond: 0.01 },
    };
    const server = await startTestServer({ OPONN_RATE_LIMIT: "on" }, {
      limits: {
        requests: { vote: small, create: small },
        streams: { perAddress: 1, perProcess: 10 },
      },
    });
    try {
      const contract = await ApiContract.fetch(server.url);
      const id = (await call(server, "POST", "/ballots", createBody())).json.id;
      const statuses: number[] = [];
      let last: Answer | undefined;
      for (let i = 0; i < 3; i++) {
        last = await call(server, "POST", `/ballots/${id}/votes`, { option: "tacos" });
        statuses.push(last.status);
      }
      assertEquals(statuses, [201, 201, 429]);
      contract.check("POST", "/ballots/{id}/votes", 429, last!.json);
      assertEquals(last!.json.error.code, "too_many_requests");
      assertMatch(last!.headers.get("retry-after") ?? "", /^\d+$/);
      assertStringIncludes(last!.json.error.message, "nothing was recorded");
      const results = await call(server, "GET", `/ballots/${id}/results`);
      assertEquals(results.json.total, 2, "the refused vote was not recorded");

      const held = await SseReader.open(`${server.url}/api/v1/ballots/${id}/events`);
      try {
        const refused = await call(server, "GET", `/ballots/${id}/events`);
        assertEquals(refused.status, 429);
        assertEquals(refused.json.error.code, "too_many_streams");
        contract.check("GET", "/ballots/{id}/events", 429, refused.json);
      } finally {
        await held.close();
      }
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "hidden results: no count in API results, events or their ids until shown",
  ...sse,
  async fn() {
    const server = await startTestServer();
    try {
      const contract = await ApiContract.fetch(server.url);
      for (const visibility of ["after_close", "manual", "after_vote"]) {
        const created = await call(
          server,
          "POST",
          "/ballots",
          createBody({ results_visibility: visibility }),
        );
        const id = created.json.id;
        const stream = await SseReader.open(`${server.url}/api/v1/ballots/${id}/events`);
        try {
          const first = await stream.waitFor((e) => e.event === "results");
          for (const option of ["pizza", "pizza", "tacos"]) {
            await call(server, "POST", `/ballots/${id}/votes`, { option });
          }
          await stream.waitFor((e) =>
            e.event === "results" && JSON.parse(e.data).turnout.cast === 3
          );
          const results = await call(server, "GET", `/ballots/${id}/results`);
          contract.check("GET", "/ballots/{id}/results", 200, results.json);
          assertEquals(results.json.visible, false, visibility);
          assert(results.json.hidden_reason.length > 0);
          for (const text of [JSON.stringify(results.json), stream.raw]) {
            assertNotIncludes(text, '"count"', `${visibility}: no count per option`);
            assertNotIncludes(text, '"total"', `${visibility}: no total`);
            assertNotIncludes(text, '"options"', `${visibility}: no options block`);
          }
          assert(first.id, "events still carry ids");

          if (visibility === "after_vote") continue; // the API never votes as a reader
          const owner = new Client(server.url);
          const managePath = new URL(created.json.manage_url).pathname;
          await owner.open(managePath);
          const action = visibility === "manual" ? "publish" : "close";
          await (await owner.post(`${managePath}/${action}`, {})).body?.cancel();
          const shown = await stream.waitFor((e) =>
            e.event === "results" && JSON.parse(e.data).visible
          );
          assertEquals(countsOf(JSON.parse(shown.data)), { tacos: 1, pizza: 2 });
          assertEquals(countsOf((await call(server, "GET", `/ballots/${id}/results`)).json), {
            tacos: 1,
            pizza: 2,
          });
        } finally {
          await stream.close();
        }
      }
    } finally {
      await server.close();
    }
  },
});

Deno.test("the OpenAPI document is valid OpenAPI 3.1 and lists exactly the mounted API routes", async () => {
  const server = await startTestServer();
  try {
    const response = await fetch(`${server.url}/api/v1/openapi.json`);
    assertEquals(response.status, 200);
    const document = await response.json() as OpenApiDocument;
    const validator = new Validator();
    const result = await validator.validate(document as unknown as Record<string, unknown>);
    assert(result.valid, `valid OpenAPI: ${JSON.stringify(result.errors)}`);
    assertEquals(validator.version, "3.1");

    const base = document.servers[0].url;
    assertEquals(base, "/api/v1");
    const routes = await scanRoutes(new URL("../../routes/", import.meta.url));
    const mounted: string[] = [];
    for (const route of routes.filter((r) => r.path.startsWith(`${base}/`))) {
      const module = await import(route.file.href);
      for (const method of Object.keys(module.handlers)) {
        mounted.push(
          `${method.toLowerCase()} ${route.path.slice(base.length).replace(/:(\w+)/g, "{$1}")}`,
        );
      }
    }
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method} ${path}`)
    );
    assertEquals(documented.sort(), mounted.sort(), "the document's routes are the mounted ones");

    const refs = (value: unknown) =>
      JSON.stringify(value).match(/#\/components\/schemas\/\w+/g) ?? [];
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const responses = (operation as { responses: Record<string, unknown> }).responses;
        assert(
          Object.keys(responses).some((status) => status.startsWith("2")),
          `${method} ${path}: a success`,
        );
        for (const ref of refs(operation)) {
          assert(ref.split("/").at(-1)! in document.components.schemas, `${ref} is defined`);
        }
      }
    }
    const post = document.paths["/ballots"].post as unknown as Record<string, unknown>;
    assertStringIncludes(JSON.stringify(post), "#/components/schemas/CreateBallotRequest");
    assertStringIncludes(JSON.stringify(post), "#/components/schemas/CreatedBallot");
    assertStringIncludes(JSON.stringify(document.paths["/ballots/{id}/votes"]), "VoteRequest");
    assertStringIncludes(JSON.stringify(document.paths["/ballots/{id}/results"]), "Results");
    for (const status of ["400", "413", "415", "429"]) {
      assertStringIncludes(JSON.stringify(post.responses), `"${status}"`);
    }
  } finally {
    await server.close();
  }
});
