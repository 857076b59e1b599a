/**
 * Ranked and approval ballots on real Postgres and Redis, two processes: 1,000
 * concurrent ranked votes counted exactly and rounds identical to a
 * ballot-by-ballot reference count, live; and SPEC section 6 (one vote per
 * browser, voter codes, hidden results) holding for the new kinds.
 */
import { assert, assertEquals, assertStringIncludes } from "../_support/assert.ts";
import { Client, readCounts } from "../_support/client.ts";
import { DATABASE, on, REDIS, withCluster } from "../_support/two_processes.ts";
import { SseReader } from "../_support/sse.ts";
import { report } from "../_support/faults.ts";
import { readExhausted, readRounds, referenceRunoff } from "../_support/rounds.ts";

const serverBacked = { ignore: !DATABASE || !REDIS, sanitizeOps: false, sanitizeResources: false };

const OPTIONS = ["north", "south", "east", "west", "centre"];

/** A seeded generator (mulberry32), so a failing run can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A partial ranking (1 to 5 options), skewed so that several rounds are needed. */
function randomRanking(next: () => number): string[] {
  const weights = [5, 4.6, 4.2, 1.5, 1];
  // Each option's key: a weighted draw; the ranking is the options by key, a random prefix.
  const keyed = OPTIONS.map((label, i) => ({ label, key: next() ** (1 / weights[i]) }));
  keyed.sort((x, y) => y.key - x.key);
  return keyed.slice(0, 1 + Math.floor(next() * OPTIONS.length)).map((p) => p.label);
}

/** The no-JS form: a `rank_{i}` select per option. */
function asSelects(ranking: string[]): Record<string, string> {
  return Object.fromEntries(
    OPTIONS.map((
      label,
      i,
    ) => [`rank_${i}`, ranking.includes(label) ? String(ranking.indexOf(label) + 1) : ""]),
  );
}

Deno.test({
  name:
    "[postgres+redis] 1,000 concurrent ranked votes over two processes are counted exactly; rounds equal the reference count, live",
  ...serverBacked,
  fn: () =>
    withCluster(async ({ a, b, sql }) => {
      const owner = new Client(a.url);
      const id = await owner.createBallot({
        measure: "Where is the offsite?",
        options_raw: OPTIONS.join(", "),
        kind: "ranked",
      });
      const next = random(20261129);
      const ballots = Array.from({ length: 1000 }, () => randomRanking(next));
      const expected = referenceRunoff(OPTIONS, ballots);
      assert(expected.rounds.length >= 3, `a count of several rounds (${expected.rounds.length})`);

      const viewer = await SseReader.open(`${b.url}/ballots/${id}/live-results`);
      try {
        await viewer.waitFor((e) => e.event === "results");
        const CLIENTS = 50;
        const clients = Array.from(
          { length: CLIENTS },
          (_, i) => new Client(i % 2 ? b.url : a.url),
        );
        await Promise.all(clients.map((client) => client.open(`/vote/${id}`)));
        const started = performance.now();
        const statuses: number[] = [];
        await Promise.all(clients.map(async (client, c) => {
          for (let v = c; v < ballots.length; v += CLIENTS) {
            // Half as `ranking` lists (island, scripts), half as the no-JS selects.
            const form = v % 2 ? { ranking: ballots[v] } : asSelects(ballots[v]);
            const response = await client.post(`/vote/${id}`, form, { htmx: v % 4 === 1 });
            await response.body?.cancel();
            statuses.push(response.status);
          }
        }));
        const elapsedMs = performance.now() - started;
        assertEquals(
          statuses.filter((s) => s === 303 || s === 204 || s === 200).length,
          1000,
          `statuses: ${[...new Set(statuses)]}`,
        );

        const [row] = await sql<
          { turnout: number; counted: number; distinct: number; audit: number }[]
        >`
          select b.turnout::int,
            (select sum(votes)::int from ballot_rankings where ballot_id = b.id) as counted,
            (select count(*)::int from ballot_rankings where ballot_id = b.id) as distinct,
            (select count(*)::int from votes where ballot_id = b.id) as audit
          from ballots b where b.id = ${id}`;
        assertEquals(row.turnout, 1000);
        assertEquals(row.counted, 1000);
        assertEquals(row.audit, 1000);
        const distinct = new Set(ballots.map((r) => r.join("\n"))).size;
        assertEquals(row.distinct, distinct, "one counter per distinct ranking");

        for (const url of [a.url, b.url]) {
          const html = await (await new Client(url).get(`/results/${id}`)).text();
          assertEquals(readRounds(html), expected.rounds, url);
          assertEquals(readExhausted(html), expected.exhausted);
          for (const winner of expected.winners) {
            assertStringIncludes(html, `data-winner="${winner}"`);
          }
        }
        // The viewer on B saw the rounds move, ending on the final count.
        const final = await viewer.waitFor(
          (e) =>
            e.event === "results" &&
            JSON.stringify(readRounds(e.data)) === JSON.stringify(expected.rounds),
          3000,
        );
        const updates = viewer.events.filter((e) => e.event === "results").length;
        assert(updates >= 2, `live updates: ${updates}`);
        assertStringIncludes(final.data, "data-tie-break");
        report("ranked-1000", {
          votes: 1000,
          distinct_rankings: distinct,
          rounds: expected.rounds.length,
          votes_per_s: Math.round(1000 / (elapsedMs / 1000)),
          live_results_events_on_b: updates,
        });
      } finally {
        await viewer.close();
      }
    }),
});

Deno.test({
  name:
    "[postgres+redis] approval and ranked keep one vote per browser, one-time codes and hidden results",
  ...serverBacked,
  fn: () =>
    withCluster(async ({ a, b, sql }) => {
      // One vote per browser, across processes: approval.
      const owner = new Client(a.url);
      const approval = await owner.createBallot({
        measure: "Which snacks?",
        options_raw: "chips, fruit, nuts",
        kind: "approval",
        duplicate_check: "browser",
      });
      const voter = new Client(a.url);
      await voter.open(`/vote/${approval}`);
      const first = await voter.post(`/vote/${approval}`, { option: ["chips", "nuts"] });
      await first.body?.cancel();
      assertEquals(first.status, 303);
      const again = await on(voter, b.url).post(`/vote/${approval}`, { option: ["fruit"] });
      assertEquals(again.status, 409);
      assertStringIncludes(await again.text(), "You have already voted on this ballot");
      const html = await (await owner.get(`/results/${approval}`)).text();
      assertEquals(readCounts(html), { chips: 1, fruit: 0, nuts: 1 });
      assertStringIncludes(html, 'data-turnout="1"');

      // Voter codes on a ranked ballot: each counts once, on either process; no audit rows.
      await owner.open("/create");
      const created = await owner.post("/create", {
        measure: "Secret ranking",
        options_raw: "red, green, blue",
        kind: "ranked",
        duplicate_check: "code",
        voter_codes: "2",
        duration_mins: "60",
      });
      const page = await created.text();
      const codes = [...page.matchAll(/data-voter-code="([^"]+)"/g)].map((m) => m[1]);
      assertEquals(codes.length, 2);
      const ranked = /\/manage\/([A-Za-z0-9_-]{16})/.exec(page)![1];
      const coder = new Client(a.url);
      await coder.open(`/vote/${ranked}`);
      const used = await coder.post(`/vote/${ranked}`, {
        ranking: ["green", "red"],
        voter_code: codes[0],
      });
      await used.body?.cancel();
      assertEquals(used.status, 303);
      const reused = await on(new Client(b.url), b.url).post(`/vote/${ranked}`, {
        ranking: ["blue"],
        voter_code: codes[0],
      });
      assertEquals(reused.status, 403);
      assertStringIncludes(
        await reused.text(),
        "This voter code is not valid or has already been used",
      );
      const second = await on(coder, b.url).post(`/vote/${ranked}`, {
        rank_2: "1",
        voter_code: codes[1],
      });
      await second.body?.cancel();
      assertEquals(second.status, 303);
      const [secret] = await sql<{ audit: number; counted: number }[]>`
        select (select count(*)::int from votes where ballot_id = ${ranked}) as audit,
          (select sum(votes)::int from ballot_rankings where ballot_id = ${ranked}) as counted`;
      assertEquals(secret, { audit: 0, counted: 2 });
      const rounds = readRounds(await (await owner.get(`/results/${ranked}`)).text());
      assertEquals(rounds[0], { green: 1, blue: 1, "red!": 0 });

      // Hidden results: strangers see turnout, never a round or a count, on the page or the stream.
      const hidden = await owner.createBallot({
        measure: "Hidden ranking",
        options_raw: "one, two",
        kind: "ranked",
        results_visibility: "after_close",
      });
      const stream = await SseReader.open(`${b.url}/ballots/${hidden}/live-results`);
      try {
        const someone = new Client(b.url);
        await someone.open(`/vote/${hidden}`);
        const cast = await someone.post(`/vote/${hidden}`, { ranking: ["two", "one"] });
        await cast.body?.cancel();
        assertEquals(cast.status, 303);
        await stream.waitFor((e) => e.event === "results" && e.data.includes('data-turnout="1"'));
        for (const event of stream.events) {
          assert(!event.data.includes("data-round"), "a round on the stream");
          assert(!event.data.includes("data-count"), "a count on the stream");
        }
        const strangerSees = await (await new Client(b.url).get(`/results/${hidden}`)).text();
        assertStringIncludes(strangerSees, "results_hidden");
        assert(!strangerSees.includes("data-round"), "a round on the stranger's page");
        assertStringIncludes(
          await (await owner.get(`/results/${hidden}`)).text(),
          'data-round="1"',
        );
      } finally {
        await stream.close();
      }
    }),
});
