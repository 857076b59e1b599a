/**
 * `/metrics` of a `deno serve --parallel` process (the image's command): each
 * scrape reaches whichever worker accepted its connection, and must still
 * answer for the whole process, so that counters never jump between scrapes.
 */
import { assertEquals } from "../_support/assert.ts";
import { Client } from "../_support/client.ts";
import { createServerDatabase } from "../_support/databases.ts";
import { faultServers } from "../_support/faults.ts";
import { freePort } from "../_support/nginx.ts";
import { serveParallelArgs, spawnOponn, stackTraceLines } from "../_support/oponn_process.ts";

const servers = faultServers("worker_metrics_test");
const WORKERS = 2;
const VOTES = 40;
/** Each request on a connection of its own, which the kernel hands to either worker. */
const CLOSE = { connection: "close" };

Deno.test({
  name:
    "/metrics under `deno serve --parallel` (2 workers): every scrape, whichever worker takes it, counts every worker's votes",
  ignore: !servers,
  async fn() {
    const db = await createServerDatabase(servers!.databaseUrl);
    const oponn = await spawnOponn(
      { DATABASE_URL: db.url, REDIS_URL: servers!.redisUrl, DENO_JOBS: String(WORKERS) },
      { args: serveParallelArgs(freePort()) },
    );
    try {
      const voter = new Client(oponn.url);
      const id = await voter.createBallot({
        measure: "Workers",
        options_raw: "a, b",
        duplicate_check: "none",
      });
      await voter.open(`/vote/${id}`);
      for (let i = 0; i < VOTES; i++) {
        const answer = await voter.post(`/vote/${id}`, { option: i % 2 ? "a" : "b" }, {
          headers: CLOSE,
        });
        await answer.body?.cancel();
        assertEquals(answer.status, 303, `vote ${i}`);
      }
      const scrapes = [];
      for (let i = 0; i < 8; i++) {
        const text = await (await fetch(`${oponn.url}/metrics`, { headers: CLOSE })).text();
        scrapes.push({
          accepted: metric(text, "votes_accepted_total"),
          written: metric(text, "votes_written"),
          workers: metric(text, "workers"),
          reporting: metric(text, "workers_reporting"),
        });
      }
      const expected = { accepted: VOTES, written: VOTES, workers: WORKERS, reporting: WORKERS };
      assertEquals(scrapes, scrapes.map(() => expected));
      assertEquals(stackTraceLines(oponn.stderr()), [], "no stack trace");
    } finally {
      await oponn.stop();
      await db.drop();
    }
  },
});

/** `oponn_<name> N` from a `/metrics` answer. */
function metric(text: string, name: string): number | undefined {
  const match = new RegExp(`^oponn_${name} (\\d+)$`, "m").exec(text);
  return match ? Number(match[1]) : undefined;
}
