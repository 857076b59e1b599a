/**
 * Two Oponn processes sharing Postgres and Redis behind the test's own
 * round-robin TCP proxy. One is killed with SIGKILL while viewers watch and
 * votes arrive: each of its viewers reconnects through the proxy to the other,
 * sends Last-Event-ID, and is brought to the current totals at once; no
 * acknowledged vote is lost.
 */
import { assert, assertEquals } from "../_support/assert.ts";
import { Client } from "../_support/client.ts";
import { createServerDatabase } from "../_support/databases.ts";
import { eventually, faultServers, report, sleep } from "../_support/faults.ts";
import { LiveViewer, longestStaleMs } from "../_support/live_viewer.ts";
import { type OponnProcess, spawnOponn, stackTraceLines } from "../_support/oponn_process.ts";
import { TcpProxy } from "../_support/tcp_proxy.ts";
import { account, storedVotes, Voters } from "../_support/voters.ts";

const servers = faultServers("sigkill_test", { redis: true });
const VOTERS = 6;
const VIEWERS = 6;

async function viewersOf(process: OponnProcess): Promise<number> {
  const text = await (await fetch(`${process.url}/metrics`)).text();
  return Number(/^oponn_sse_viewers (\d+)$/m.exec(text)?.[1] ?? NaN);
}

Deno.test({
  name:
    "SIGKILL one of two processes: its viewers reconnect to the other with Last-Event-ID, nothing acknowledged is lost",
  ignore: !servers,
  async fn() {
    const db = await createServerDatabase(servers!.databaseUrl);
    const env = { DATABASE_URL: db.url, REDIS_URL: servers!.redisUrl };
    const [a, b] = await Promise.all([spawnOponn(env), spawnOponn(env)]);
    const front = TcpProxy.start([
      { hostname: "127.0.0.1", port: a.port },
      { hostname: "127.0.0.1", port: b.port },
    ]);
    const url = `http://127.0.0.1:${front.port}`;
    const viewers: LiveViewer[] = [];
    try {
      const owner = new Client(url);
      const id = await owner.createBallot({ measure: "Kill", options_raw: Voters.options(VOTERS) });
      for (let i = 0; i < VIEWERS; i++) {
        viewers.push(new LiveViewer(`${url}/ballots/${id}/live-results`));
        await eventually("viewer connected", () => viewers[i].total >= 0, 5_000, 10);
      }
      const onA = await viewersOf(a);
      assert(onA > 0 && onA < VIEWERS, `viewers spread over both processes (${onA} on the first)`);
      const voters = new Voters(url, id, VOTERS, 30);
      await voters.start();
      await sleep(1_500);

      const killAt = performance.now();
      a.kill("SIGKILL");
      await a.exited;
      await sleep(3_000);
      await voters.stop();
      const stoppedAt = performance.now();

      const stored = await storedVotes(db.url, id);
      const figures = account(voters, stored);
      const settled = await Promise.all(viewers.map((v) => v.waitForTotal(figures.stored, 5_000)));
      const reconnected = viewers.filter((v) => v.connects.length > 1);
      // From the first reconnect the other process answered to its first results event.
      const answered = reconnected.map((v) => v.connects.slice(1).find((c) => c.status === 200));
      const catchUp = answered.map((connect, i) => {
        const first = connect && reconnected[i].resultsAt.find((at) => at >= connect.at);
        return first === undefined || !connect ? Infinity : Math.round(first - connect.at);
      });
      const statuses = voters.statuses();
      report("sigkill", {
        ...figures,
        statuses,
        viewers_on_killed: onA,
        reconnected: reconnected.length,
        reconnect_attempts: reconnected.map((v) => v.connects.length - 1),
        failed_attempts: reconnected.flatMap((v) =>
          v.connects.filter((c) => c.error).map((c) => c.error)
        ),
        reconnect_after_kill_ms: answered.map((c) => c ? Math.round(c.at - killAt) : null),
        results_after_reconnect_ms: catchUp,
        longest_stale_ms: longestStaleMs(
          voters.acked.map((r) => r.at),
          viewers,
          stoppedAt + Math.max(...settled),
        ),
      });
      assertEquals(figures.lost, 0, "acknowledged votes missing from the database");
      assert(figures.inDoubt <= VOTERS, "at most one in-doubt vote per voter");
      assert(!Object.keys(statuses).some((code) => /^5/.test(code)), "no 5xx answers");
      assertEquals(reconnected.length, onA, "exactly the killed process's viewers reconnected");
      reconnected.forEach((v, i) => {
        assertEquals(v.gaveUp, undefined, "no reconnect was refused");
        assert(
          /^[0-9a-z]{4,}$/.test(answered[i]?.lastEventId ?? ""),
          "the reconnect sent the last event id it had as Last-Event-ID",
        );
        assert(catchUp[i] < 1_000, `current totals at once after reconnecting (${catchUp[i]} ms)`);
      });
      assertEquals(stackTraceLines(b.stderr()), [], "no stack trace in the survivor's log");
    } finally {
      await Promise.all(viewers.map((viewer) => viewer.close()));
      await front.close();
      await Promise.all([a.stop(), b.stop()]);
      await db.drop();
    }
  },
});
