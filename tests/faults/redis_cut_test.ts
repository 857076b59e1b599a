/**
 * Redis goes away while two processes serve viewers and take votes: no vote
 * is refused because of it (rate limits fall back to each process), nothing
 * answers 5xx, and once Redis returns every viewer, on either process, shows
 * the right totals within 5 s WITHOUT another vote: the re-read each process
 * does after reconnecting is the only way left for the votes it missed.
 */
import { assert, assertEquals } from "../_support/assert.ts";
import { Client } from "../_support/client.ts";
import { createServerDatabase } from "../_support/databases.ts";
import { eventually, faultServers, report, sleep } from "../_support/faults.ts";
import { LiveViewer } from "../_support/live_viewer.ts";
import { startTestServer } from "../_support/server.ts";
import { TcpProxy } from "../_support/tcp_proxy.ts";
import { account, storedVotes, Voters } from "../_support/voters.ts";

const servers = faultServers("redis_cut_test", { redis: true });
const VOTERS = 6;
/** Votes cast on B during the outage: committed, their publish lost. */
const MISSED = 5;
/** Longer than a failing publish takes to give up (command timeout 1 s, one retry). */
const PUBLISH_SETTLE_MS = 2_500;
const GENEROUS = {
  vote: {
    session: { capacity: 1000, perSecond: 100 },
    address: { capacity: 5000, perSecond: 500 },
  },
  create: { session: { capacity: 10, perSecond: 1 }, address: { capacity: 100, perSecond: 10 } },
};

const total = (stored: Record<string, number>) =>
  Object.values(stored).reduce((sum, count) => sum + count, 0);

Deno.test({
  name:
    "Redis cut: no vote refused, no 5xx; after its return, with no vote since, every viewer right within 5 s",
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
    const onA: LiveViewer[] = [];
    const onB: LiveViewer[] = [];
    try {
      const owner = new Client(a.url);
      const id = await owner.createBallot({
        measure: "Redis",
        options_raw: `${Voters.options(VOTERS)}, missed`,
      });
      for (let i = 0; i < 2; i++) {
        onA.push(new LiveViewer(`${a.url}/ballots/${id}/live-results`));
        onB.push(new LiveViewer(`${b.url}/ballots/${id}/live-results`));
      }
      const viewers = [...onA, ...onB];
      await eventually("viewers connected", () => viewers.every((v) => v.total === 0), 5_000);
      // Votes reach A only, so B's viewers learn of them through Redis alone.
      const voters = new Voters(a.url, id, VOTERS, 40);
      await voters.start();
      await sleep(1_500);

      await proxy.cut();
      const cutAt = performance.now();
      const readyDuringCut = (await fetch(`${a.url}/readyz`)).status;
      await sleep(1_500);
      await voters.stop();
      const stoppedAt = performance.now();
      // A's viewers get A's votes from A itself; let every publish A tried give up first, so
      // that nothing of A's is left to re-read the tally once B's votes below are in.
      const onAStored = total(await storedVotes(db.url, id));
      await Promise.all(onA.map((viewer) => viewer.waitForTotal(onAStored, 5_000)));
      await sleep(PUBLISH_SETTLE_MS);

      // Votes on B while Redis is away: committed, shown on B, their publish to A lost.
      const onBVoter = new Client(b.url);
      for (let i = 0; i < MISSED; i++) {
        const response = await onBVoter.post(`/vote/${id}`, { option: "missed" });
        await response.body?.cancel();
        assertEquals(response.status, 303, "a vote on B while Redis is away");
      }
      const stored = total(await storedVotes(db.url, id));
      await Promise.all(onB.map((viewer) => viewer.waitForTotal(stored, 5_000)));
      await sleep(PUBLISH_SETTLE_MS);
      const behindBeforeReturn = onA.map((viewer) => stored - viewer.total);
      assert(
        behindBeforeReturn.every((missing) => missing === MISSED),
        `before Redis returns, A's viewers miss exactly B's votes: ${behindBeforeReturn}`,
      );

      proxy.pass();
      const backAt = performance.now();
      // No vote from here on: only the re-read after reconnecting can bring B's votes to A.
      const caughtUp = await Promise.all(
        viewers.map((viewer) => viewer.waitForTotal(stored, 5_000).then(Math.round)),
      );
      assertEquals(total(await storedVotes(db.url, id)), stored, "no vote since Redis returned");

      const figures = account(voters, await storedVotes(db.url, id));
      const statuses = voters.statuses();
      const duringCut = voters.records.filter((r) => r.at > cutAt && r.at < stoppedAt);
      report("redis-cut", {
        ...figures,
        statuses,
        cut_ms: Math.round(backAt - cutAt),
        votes_during_cut: duringCut.length + MISSED,
        readyz_during_cut: readyDuringCut,
        missed_by_a_before_return: behindBeforeReturn,
        viewers_right_after_return_ms: caughtUp,
      });
      assertEquals(figures.lost, 0, "acknowledged votes missing from the database");
      assertEquals(figures.acked, figures.stored - MISSED, "every vote answered and stored");
      assertEquals(Object.keys(statuses).sort(), ["204", "303"], "no vote refused, no 5xx");
      assert(duringCut.length > 0, "votes were cast on A while Redis was away");
      assertEquals(readyDuringCut, 503, "/readyz tells the load balancer");
      assert(!logged.some((line) => /^\s+at /m.test(line)), "no stack trace in the log");
    } finally {
      console.error = originalError;
      await Promise.all([...onA, ...onB].map((viewer) => viewer.close()));
      await Promise.all([a.close(), b.close()]);
      await proxy.close();
      await db.drop();
    }
  },
});
