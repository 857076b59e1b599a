import { assert, assertEquals, assertStringIncludes } from "../_support/assert.ts";
import { Client, readCounts } from "../_support/client.ts";
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
        assertEquals(first.id, "0");
        assertEquals(readCounts(first.data), { pizza: 0, sushi: 0 });
        assert(stream.raw.startsWith("retry: "), "the stream opens with a retry hint");

        const vote = await client.post(`/vote/${id}`, { option: "sushi" });
        await vote.body?.cancel();
        assertEquals(vote.status, 303);
        const update = await stream.waitFor((e) => e.event === "results" && e.id === "1");
        assertEquals(readCounts(update.data), { pizza: 0, sushi: 1 });
        assertStringIncludes(stream.raw, 'id: 1\nevent: results\ndata: <div class="results"');
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
      for (const option of ["a", "a", "b"]) {
        const response = await client.post(`/vote/${id}`, { option });
        await response.body?.cancel();
      }

      const behind = await SseReader.open(`${server.url}/ballots/${id}/live-results`, {
        "Last-Event-ID": "1",
      });
      const caughtUp = await behind.waitFor((e) => e.event === "results");
      assertEquals(caughtUp.id, "3", "a viewer that missed votes gets the current results at once");
      assertEquals(readCounts(caughtUp.data), { a: 2, b: 1 });

      const current = await SseReader.open(`${server.url}/ballots/${id}/live-results`, {
        "Last-Event-ID": "3",
      });
      await current.waitFor((e) => e.event === "status");
      assertEquals(current.events.filter((e) => e.event === "results").length, 0);
      assert(current.events.every((e) => e.id === "3"), "every event carries the id");

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

Deno.test({
  name: "live-results coalesces a burst: the viewer gets the final count, not a backlog",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const server = await startTestServer();
    try {
      const client = new Client(server.url);
      const id = await client.createBallot({ measure: "Burst", options_raw: "a, b" });
      const stream = await SseReader.open(`${server.url}/ballots/${id}/live-results`);
      await stream.waitFor((e) => e.event === "results");
      await Promise.all(Array.from({ length: 100 }, async () => {
        const response = await client.post(`/vote/${id}`, { option: "a" });
        await response.body?.cancel();
      }));
      const last = await stream.waitFor((e) => e.event === "results" && e.id === "100");
      assertEquals(readCounts(last.data), { a: 100, b: 0 });
      const results = stream.events.filter((e) => e.event === "results");
      assert(results.length <= 20, `100 votes produced ${results.length} results events`);
      const ids = results.map((e) => Number(e.id));
      assertEquals([...ids].sort((x, y) => x - y), ids, "ids only grow");
      await stream.close();
    } finally {
      await server.close();
    }
  },
});
