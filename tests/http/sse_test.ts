import { assert, assertEquals, assertStringIncludes } from "../_support/assert.ts";
import { Client, readCounts } from "../_support/client.ts";
import { startQuickServer } from "../_support/faults.ts";
import { paced } from "../_support/pace.ts";
import { startTestServer } from "../_support/server.ts";
import { SseReader } from "../_support/sse.ts";

Deno.test({
  name: "live-results streams the current results, then each change, with ids",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn(t) {
    const server = await startTestServer();
    try {
      const client = new Client(server.url);
      const id = await client.createBallot({ measure: "Lunch?", options_raw: "pizza, sushi" });

      await t.step("unknown ballot is a 404", async () => {
        const response = await fetch(`${server.url}/ballots/AAAAAAAAAAAAAAAA/live-results`);
        await response.body?.cancel();
        assertEquals(response.status, 404);
      });

      const stream = await SseReader.open(`${server.url}/ballots/${id}/live-results`);
      try {
        assertEquals(
          stream.response.headers.get("content-type"),
          "text/event-stream; charset=utf-8",
        );
        const first = await stream.waitFor((e) => e.event === "results");
        assert(/^[0-9a-z]{4,}$/.test(first.id ?? ""), `an opaque id, got "${first.id}"`);
        assertEquals(readCounts(first.data), { pizza: 0, sushi: 0 });
        assert(stream.raw.startsWith("retry: "), "the stream opens with a retry hint");

        const vote = await client.post(`/vote/${id}`, { option: "sushi" });
        await vote.body?.cancel();
        assertEquals(vote.status, 303);
        const update = await stream.waitFor((e) => e.event === "results" && e.id !== first.id);
        assertEquals(readCounts(update.data), { pizza: 0, sushi: 1 });
        assert(update.id !== "1", "the id is a version, never the vote count");
        assertStringIncludes(stream.raw, `id: ${update.id}\nevent: results\ndata: <div class="`);
      } finally {
        await stream.close();
      }
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "live-results resumes from Last-Event-ID, keeps the line alive, releases closed viewers",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const server = await startTestServer({}, { live: { keepAliveMs: 200 } });
    const viewers = async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      return Number(/^oponn_sse_viewers (\d+)$/m.exec(text)![1]);
    };
    try {
      const client = new Client(server.url);
      const id = await client.createBallot({ measure: "Resume me", options_raw: "a, b" });
      const early = await SseReader.open(`${server.url}/ballots/${id}/live-results`);
      const earlyId = (await early.waitFor((e) => e.event === "results")).id!;
      await early.close();
      for (const option of ["a", "a", "b"]) {
        const response = await client.post(`/vote/${id}`, { option });
        await response.body?.cancel();
      }
      // The change message for the later votes waits out the hub's publish gap (25 ms):
      // let it pass before anyone watches, so that no flush is owed at the end.
      await new Promise((resolve) => setTimeout(resolve, 60));

      const behind = await SseReader.open(`${server.url}/ballots/${id}/live-results`, {
        "Last-Event-ID": earlyId,
      });
      const caughtUp = await behind.waitFor((e) => e.event === "results");
      assert(
        caughtUp.id !== earlyId,
        "a viewer that missed votes gets the current results at once",
      );
      assertEquals(readCounts(caughtUp.data), { a: 2, b: 1 });

      const current = await SseReader.open(`${server.url}/ballots/${id}/live-results`, {
        "Last-Event-ID": caughtUp.id!,
      });
      await current.waitFor((e) => e.event === "status");
      assertEquals(current.events.filter((e) => e.event === "results").length, 0);
      assert(current.events.every((e) => e.id === caughtUp.id), "every event carries the id");

      await current.waitFor(() => current.comments > 0, 2000);
      assertEquals(await viewers(), 2);
      await behind.close();
      await current.close();
      let remaining = await viewers();
      for (let i = 0; i < 20 && remaining > 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        remaining = await viewers();
      }
      assertEquals(remaining, 0, "closed connections are released");
      assertEquals(server.oponn.deps.hub.stats(), {
        viewers: 0,
        ballots: 0,
        timers: 0,
        flushes: 0,
      });
    } finally {
      await server.close();
    }
  },
});

// On the Postgres server, with a 250 ms interval: a batch of votes commits in a few ms there, so
// without the interval each batch would be an event of its own (20 to 100 of them here). The
// embedded database commits so slowly that its batches alone space the events out and would
// hide a missing interval; the hub's own test checks the default of 100 ms.
const INTERVAL_MS = 250;
Deno.test({
  name:
    `[postgres] live-results coalesces votes paced every 10 ms: one event per ${INTERVAL_MS} ms flush, the final count exact`,
  ignore: !Deno.env.get("TEST_DATABASE_URL"),
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const server = await startQuickServer({}, { live: { flushIntervalMs: INTERVAL_MS } });
    try {
      const client = new Client(server.url);
      const id = await client.createBallot({ measure: "Paced", options_raw: "a, b" });
      const stream = await SseReader.open(`${server.url}/ballots/${id}/live-results`);
      try {
        await stream.waitFor((e) => e.event === "results");
        const start = performance.now();
        const statuses = await paced(10, 1_000, async () => {
          const response = await client.post(`/vote/${id}`, { option: "a" });
          await response.body?.cancel();
          return response.status;
        });
        const votes = statuses.length;
        assertEquals(statuses, Array(votes).fill(303), "every vote accepted");
        const last = await stream.waitFor((e) =>
          e.event === "results" && readCounts(e.data).a === votes
        );
        assertEquals(readCounts(last.data), { a: votes, b: 0 });
        const elapsed = last.receivedAt - start;
        const results = stream.events.filter((e) => e.event === "results");
        // After the first event, one per flush (plus one for a flush already under way).
        const updates = results.length - 1;
        const most = Math.ceil(elapsed / INTERVAL_MS) + 2;
        const figures = `${votes} votes in ${Math.round(elapsed)} ms: ${updates} results events`;
        assert(updates <= most, `${figures}, at most ${most}`);
        assert(updates >= 3, `${figures}: the viewer must see the count move meanwhile`);
        const ids = results.map((e) => e.id);
        assertEquals(new Set(ids).size, ids.length, "each update carries a new version");
      } finally {
        await stream.close();
      }
    } finally {
      await server.close();
    }
  },
});
