/**
 * Redis goes away for 5 s while two processes serve viewers and take votes:
 * no vote is refused because of it (rate limits fall back to each process),
 * nothing answers 5xx, and within 5 s of Redis returning every viewer, on
 * either process, shows the right totals.
 */
import { assert, assertEquals } from "../_support/assert.ts";
import { Client } from "../_support/client.ts";
import { createServerDatabase } from "../_support/databases.ts";
import { eventually, faultServers, report, sleep } from "../_support/faults.ts";
import { LiveViewer, longestStaleMs } from "../_support/live_viewer.ts";
import { startTestServer } from "../_support/server.ts";
import { TcpProxy } from "../_support/tcp_proxy.ts";
import { account, storedVotes, Voters } from "../_support/voters.ts";

const servers = faultServers("redis_cut_test", { redis: true });
const VOTERS = 6;
const CUT_MS = 5_000;
const GENEROUS = {
  vote: {
    session: { capacity: 1000, perSecond: 100 },
    address: { capacity: 5000, perSecond: 500 },
  },
  create: { session: { capacity: 10, perSecond: 1 }, address: { capacity: 100, perSecond: 10 } },
};

Deno.test({
  name: "Redis cut for 5 s: no vote refused, no 5xx, every viewer right within 5 s of its return",
  ignore: !servers,
  async fn() {
    const db = await createServerDatabase(servers!.databaseUrl);
    const { proxy, url: redisUrl } = TcpProxy.forUrl(servers!.redisUrl);
    const env = { DATABASE_URL: db.url, REDIS_URL: redisUrl, OPONN_RATE_LIMIT: "on" };
    const logged: string[] = [];
    const originalError = console.error;
    console.error = (...args: unknown[]) => logged.push(args.map(String).join(" "));
    const [a, b] = await Promise.all([
      startTestServer(env, { limits: { requests: GENEROUS } }),
      startTestServer(env, { limits: { requests: GENEROUS } }),
    ]);
    const viewers: LiveViewer[] = [];
    try {
      const owner = new Client(a.url);
      const id = await owner.createBallot({
        measure: "Redis",
        options_raw: Voters.options(VOTERS),
      });
      for (const server of [a, b, a, b]) {
        viewers.push(new LiveViewer(`${server.url}/ballots/${id}/live-results`));
      }
      await eventually("viewers connected", () => viewers.every((v) => v.total === 0), 5_000);
      // Votes reach one process only, so the other's viewers depend on Redis alone
      // (a local vote would make a process re-read the whole tally anyway).
      const voters = new Voters(a.url, id, VOTERS, 40);
      await voters.start();
      await sleep(1_500);

      await proxy.cut();
      const cutAt = performance.now();
      const readyDuringCut = (await fetch(`${a.url}/readyz`)).status;
      await sleep(CUT_MS);
      proxy.pass();
      const backAt = performance.now();
      const ackedBeforeReturn = voters.acked.filter((r) => r.at <= backAt).length;
      // Each viewer, on either process, shows every vote acknowledged before Redis returned.
      const caughtUp = await Promise.all(
        viewers.map((viewer) =>
          eventually("viewer caught up", () => viewer.total >= ackedBeforeReturn, 5_000, 20)
        ),
      );
      await sleep(1_500);
      await voters.stop();
      const stoppedAt = performance.now();

      const stored = await storedVotes(db.url, id);
      const figures = account(voters, stored);
      const settled = await Promise.all(viewers.map((v) => v.waitForTotal(figures.stored, 5_000)));
      const statuses = voters.statuses();
      const duringCut = voters.records.filter((r) => r.at > cutAt && r.at < backAt);
      report("redis-cut", {
        ...figures,
        statuses,
        cut_ms: Math.round(backAt - cutAt),
        votes_during_cut: duringCut.length,
        readyz_during_cut: readyDuringCut,
        viewers_caught_up_after_return_ms: caughtUp,
        longest_stale_ms: longestStaleMs(
          voters.acked.map((r) => r.at),
          viewers,
          stoppedAt + Math.max(...settled),
        ),
      });
      assertEquals(figures.lost, 0, "acknowledged votes missing from the database");
      assertEquals(figures.acked, figures.stored, "every vote answered and stored");
      assertEquals(Object.keys(statuses).sort(), ["204", "303"], "no vote refused, no 5xx");
      assert(duringCut.length > 0 && duringCut.every((r) => r.status === 204 || r.status === 303));
      assertEquals(readyDuringCut, 503, "/readyz tells the load balancer");
      assert(caughtUp.every((ms) => ms <= 5_000), "viewers right within 5 s of Redis returning");
      assert(!logged.some((line) => /^\s+at /m.test(line)), "no stack trace in the log");
    } finally {
      console.error = originalError;
      await Promise.all(viewers.map((viewer) => viewer.close()));
      await Promise.all([a.close(), b.close()]);
      await proxy.close();
      await db.drop();
    }
  },
});
