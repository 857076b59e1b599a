/**
 * SPEC section 6 across two processes on one Postgres and Redis: one vote per
 * voter, one-time codes and the secret ballot, the manage link and its
 * actions reaching the other process, and results visibility.
 */
import { assert, assertEquals, assertStringIncludes } from "../_support/assert.ts";
import { Client, readCounts } from "../_support/client.ts";
import { DATABASE, on, REDIS, withCluster } from "../_support/two_processes.ts";
import { SseReader } from "../_support/sse.ts";
import { report } from "../_support/faults.ts";

async function create(client: Client, form: Record<string, string>): Promise<string> {
  return await client.createBallot({ options_raw: "tacos, pizza", measure: "Lunch?", ...form });
}

async function counts(client: Client, id: string): Promise<Record<string, number>> {
  return readCounts(await (await client.get(`/results/${id}`)).text());
}

async function manageLink(owner: Client, id: string): Promise<string> {
  const html = await (await owner.get(`/vote/${id}`)).text();
  const link = /<a[^>]*data-manage-link[^>]*>/.exec(html)?.[0];
  const href = link && /href="([^"]+)"/.exec(link)?.[1];
  assert(href, "the owner's vote page shows the manage link");
  return new URL(href).pathname;
}

const serverBacked = { ignore: !DATABASE || !REDIS, sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name:
    "[postgres+redis] one vote per browser: a second vote is refused on either process, racing tabs count once",
  ...serverBacked,
  fn: () =>
    withCluster(async ({ a, b }) => {
      const owner = new Client(a.url);
      const id = await create(owner, { duplicate_check: "browser" });
      const voter = new Client(a.url);
      await voter.open(`/vote/${id}`);
      const first = await voter.post(`/vote/${id}`, { option: "tacos" });
      await first.body?.cancel();
      assertEquals(first.status, 303);

      const again = await on(voter, b.url).post(`/vote/${id}`, { option: "pizza" });
      assertEquals(again.status, 409);
      assertStringIncludes(await again.text(), "You have already voted on this ballot");
      const htmx = await on(voter, b.url).post(`/vote/${id}`, { option: "pizza" }, { htmx: true });
      assertEquals(htmx.status, 200);
      const fragment = await htmx.text();
      assertStringIncludes(fragment, "You have already voted on this ballot");
      assert(!fragment.includes("<html"), "the fragment alone");
      const page = await (await on(voter, b.url).get(`/vote/${id}`)).text();
      assertStringIncludes(page, "you_have_voted");

      // Ten tabs of one new browser, half on each process, at once.
      const racer = new Client(a.url);
      await racer.open(`/vote/${id}`);
      const statuses = await Promise.all(
        Array.from({ length: 10 }, async (_, i) => {
          const response = await on(racer, i % 2 ? b.url : a.url).post(`/vote/${id}`, {
            option: "pizza",
          });
          await response.body?.cancel();
          return response.status;
        }),
      );
      assertEquals(statuses.filter((s) => s === 303).length, 1, `statuses ${statuses}`);
      assertEquals(statuses.filter((s) => s === 409).length, 9);
      assertEquals(await counts(owner, id), { tacos: 1, pizza: 1 });

      // Without the check (the original's behaviour), the same browser votes twice.
      const open = await create(owner, {});
      for (const url of [a.url, b.url]) {
        const response = await on(voter, url).post(`/vote/${open}`, { option: "tacos" });
        await response.body?.cancel();
        assertEquals(response.status, 303);
      }
      assertEquals((await counts(owner, open)).tacos, 2);
    }),
});

Deno.test({
  name:
    "[postgres+redis] voter codes count once each, and a secret ballot stores no voter, code or time",
  ...serverBacked,
  fn: () =>
    withCluster(async ({ a, b, sql }) => {
      const owner = new Client(a.url);
      await owner.open("/create");
      const created = await owner.post("/create", {
        measure: "Secret lunch",
        options_raw: "tacos, pizza",
        duplicate_check: "code",
        voter_codes: "3",
        duration_mins: "60",
      });
      assertEquals(created.status, 200, "the codes are shown in the creating response");
      const html = await created.text();
      const codes = [...html.matchAll(/data-voter-code="([^"]+)"/g)].map((m) => m[1]);
      assertEquals(codes.length, 3);
      assertStringIncludes(html, "download_csv");
      const id = /\/manage\/([A-Za-z0-9_-]{16})/.exec(html)![1];

      const voter = new Client(a.url);
      await voter.open(`/vote/${id}`);
      const missing = await voter.post(`/vote/${id}`, { option: "tacos" });
      assertEquals(missing.status, 400);
      assertStringIncludes(await missing.text(), "Voter code required");
      const unknown = await voter.post(`/vote/${id}`, {
        option: "tacos",
        voter_code: "AAAA-BBBB-CCCC-DDDD",
      });
      assertEquals(unknown.status, 403);
      assertStringIncludes(
        await unknown.text(),
        "This voter code is not valid or has already been used",
      );

      const ok = await voter.post(`/vote/${id}`, { option: "tacos", voter_code: codes[0] });
      await ok.body?.cancel();
      assertEquals(ok.status, 303);
      const reuse = await on(new Client(b.url), b.url).post(`/vote/${id}`, {
        option: "pizza",
        voter_code: codes[0].toLowerCase(),
      });
      assertEquals(reuse.status, 403);
      await reuse.body?.cancel();
      for (const [index, option] of [[1, "pizza"], [2, "pizza"]] as const) {
        const other = new Client(index === 1 ? b.url : a.url);
        await other.open(`/vote/${id}`);
        const response = await other.post(`/vote/${id}`, { option, voter_code: codes[index] });
        await response.body?.cancel();
        assertEquals(response.status, 303);
      }
      const results = await (await owner.get(`/results/${id}`)).text();
      assertEquals(readCounts(results), { tacos: 1, pizza: 2 });
      assertStringIncludes(results, 'data-turnout="3"');

      // Every stored row of the ballot: no voter, no code, no time of a vote.
      const votes = await sql`select * from votes where ballot_id = ${id}`;
      assertEquals(votes.length, 0, "no audit rows for a secret ballot");
      assertEquals((await sql`select * from ballot_voters where ballot_id = ${id}`).length, 0);
      assertEquals((await sql`select * from voter_codes where ballot_id = ${id}`).length, 0);
      const counters = await sql`select * from ballot_options where ballot_id = ${id}`;
      const [ballot] = await sql`select * from ballots where id = ${id}`;
      const stored = JSON.stringify([counters, ballot]);
      for (const code of codes) {
        assert(!stored.includes(code) && !stored.includes(code.replaceAll("-", "")), "no code");
      }
      for (const voterCookie of [voter.cookies.get("oponn_voter")!]) {
        assert(!stored.includes(voterCookie.split(".")[0]), "no voter id");
      }
      const columns = Object.keys(counters[0]);
      assert(!columns.some((name) => /_at$|time|voter|code/.test(name)), `columns ${columns}`);
    }),
});

Deno.test({
  name:
    "[postgres+redis] manage: wrong or missing key is a 404; close and delete on A reach B within 1 s",
  ...serverBacked,
  fn: () =>
    withCluster(async ({ a, b, sql }) => {
      const owner = new Client(a.url);
      const id = await create(owner, {});
      const path = await manageLink(owner, id);
      const stranger = new Client(b.url);
      for (const probe of [`/manage/${id}`, `/manage/${id}/${"x".repeat(22)}`, `${path}x`]) {
        const response = await stranger.get(probe);
        await response.body?.cancel();
        assertEquals(response.status, 404, probe);
      }
      const unknown = await stranger.get(`/manage/${"A".repeat(16)}/${"x".repeat(22)}`);
      assertEquals(unknown.status, 404);
      const unknownText = await unknown.text();
      const wrong = await stranger.get(`/manage/${id}/${"x".repeat(22)}`);
      assertEquals(await wrong.text(), unknownText, "indistinguishable from an unknown ballot");
      const own = await owner.get(`/manage/${id}`);
      assertEquals(own.status, 200);
      await own.body?.cancel();

      // The manage link works from any browser; its actions reach viewers on B.
      const holder = new Client(a.url);
      const managePage = await holder.open(path);
      assertStringIncludes(managePage, "close_voting");
      const viewer = await SseReader.open(`${b.url}/ballots/${id}/live-results`);
      try {
        await viewer.waitFor((e) => e.event === "status");
        const closedAt = performance.now();
        const close = await holder.post(`${path}/close`, {});
        assertEquals(close.status, 303);
        await close.body?.cancel();
        const flipped = await viewer.waitFor(
          (e) => e.event === "status" && e.data.includes("status-ended"),
          1000,
        );
        const closeMs = flipped.receivedAt - closedAt;
        const late = await on(new Client(b.url), b.url).post(`/vote/${id}`, { option: "tacos" });
        assertEquals(late.status, 409);
        assertStringIncludes(await late.text(), "Voting has ended for this ballot");

        const badConfirm = await holder.post(`${path}/delete`, { confirm: "nope" });
        assertEquals(badConfirm.status, 400);
        assertStringIncludes(await badConfirm.text(), "Type delete to confirm.");
        const deletedAt = performance.now();
        const removal = await holder.post(`${path}/delete`, { confirm: "delete" });
        assertEquals(removal.status, 303);
        await viewer.waitForEnd(1000);
        const deleteMs = performance.now() - deletedAt;
        for (const probe of [`/vote/${id}`, `/results/${id}`, path]) {
          const response = await new Client(b.url).get(probe);
          await response.body?.cancel();
          assertEquals(response.status, 404, probe);
        }
        for (const table of ["ballots", "ballot_options", "votes"]) {
          const column = table === "ballots" ? "id" : "ballot_id";
          const [row] = await sql`select count(*)::int as n from ${sql(table)} where ${
            sql(column)
          } = ${id}`;
          assertEquals(row.n, 0, table);
        }
        report("manage-reach", {
          close_to_viewer_on_b_ms: closeMs,
          delete_to_stream_end_ms: deleteMs,
        });
      } finally {
        await viewer.close();
      }
    }),
});

Deno.test({
  name:
    "[postgres+redis] hidden results: strangers see turnout and the reason, never a count, on the page or the stream",
  ...serverBacked,
  fn: () =>
    withCluster(async ({ a, b }) => {
      for (const mode of ["after_vote", "after_close", "manual"] as const) {
        const owner = new Client(a.url);
        const id = await create(owner, { results_visibility: mode });
        const stranger = new Client(b.url);
        const stream = await SseReader.open(`${b.url}/ballots/${id}/live-results`);
        try {
          const voter = new Client(b.url);
          await voter.open(`/vote/${id}`);
          const vote = await voter.post(`/vote/${id}`, { option: "tacos" });
          await vote.body?.cancel();
          assertEquals(vote.status, 303);
          await stream.waitFor((e) => e.event === "results" && e.data.includes('data-turnout="1"'));
          for (const event of stream.events) {
            assert(!event.data.includes("data-count"), `${mode}: a count on the stream`);
          }
          const page = await (await stranger.get(`/results/${id}`)).text();
          assertStringIncludes(page, "results_hidden");
          assertStringIncludes(page, 'data-turnout="1"');
          assert(!page.includes("data-count"), `${mode}: a count on the stranger's page`);
          assertEquals((await counts(owner, id)).tacos, 1, `${mode}: the owner sees counts`);
          const voterSees = readCounts(await (await voter.get(`/results/${id}`)).text());
          assertEquals(voterSees.tacos === 1, mode === "after_vote", `${mode}: the voter`);

          if (mode !== "after_vote") {
            const path = await manageLink(owner, id);
            const holder = new Client(a.url);
            await holder.open(path);
            const action = await holder.post(
              `${path}/${mode === "manual" ? "publish" : "close"}`,
              {},
            );
            await action.body?.cancel();
            assertEquals(action.status, 303);
            const shown = await stream.waitFor(
              (e) => e.event === "results" && e.data.includes("data-count"),
              1000,
            );
            assertEquals(readCounts(shown.data).tacos, 1, `${mode}: counts once public`);
            assertEquals((await counts(stranger, id)).tacos, 1);
          }
        } finally {
          await stream.close();
        }
      }
    }),
});
