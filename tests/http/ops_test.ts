import { assertEquals, assertMatch } from "../_support/assert.ts";
import { Client } from "../_support/client.ts";
import { startTestServer } from "../_support/server.ts";

Deno.test("healthz, readyz and metrics answer for operators", async () => {
  const server = await startTestServer();
  try {
    const client = new Client(server.url);
    const health = await client.get("/healthz");
    assertEquals([health.status, await health.text()], [200, "ok"]);
    const ready = await client.get("/readyz");
    assertEquals([ready.status, await ready.text()], [200, "ready"]);

    const id = await client.createBallot({ measure: "Counted", options_raw: "a, b" });
    const vote = await client.post(`/vote/${id}`, { option: "a" });
    await vote.body?.cancel();
    const metrics = await client.get("/metrics");
    const text = await metrics.text();
    assertMatch(metrics.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
    assertMatch(text, /^# TYPE oponn_votes_accepted_total counter\noponn_votes_accepted_total 1$/m);
    assertMatch(text, /^oponn_ballots_created_total 1$/m);
    assertMatch(text, /^oponn_sse_viewers 0$/m);
    assertMatch(text, /^oponn_live_subscriptions 0$/m);
  } finally {
    await server.close();
  }
});
