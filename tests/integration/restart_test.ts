import { assertEquals, assertStringIncludes } from "../_support/assert.ts";
import { Client, readCounts } from "../_support/client.ts";
import { startTestServer } from "../_support/server.ts";

Deno.test("the embedded database keeps ballots and votes across a restart", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "oponn-data-" });
  try {
    const env = { DATABASE_URL: "", OPONN_DATA_DIR: dataDir };
    const first = await startTestServer(env);
    let id: string;
    try {
      const client = new Client(first.url);
      id = await client.createBallot({ measure: "Survives restarts", options_raw: "yes, no" });
      const vote = await client.post(`/vote/${id}`, { option: "yes" });
      await vote.body?.cancel();
      assertEquals(vote.status, 303);
    } finally {
      await first.close();
    }
    const second = await startTestServer(env);
    try {
      const client = new Client(second.url);
      const html = await (await client.get(`/results/${id}`)).text();
      assertStringIncludes(html, "Survives restarts");
      assertEquals(readCounts(html), { yes: 1, no: 0 });
      console.log(
        `embedded start-up: fresh data dir ${first.oponn.startedInMs} ms, existing ${second.oponn.startedInMs} ms`,
      );
    } finally {
      await second.close();
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
