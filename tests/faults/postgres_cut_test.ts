/**
 * Postgres goes away under load (every connection cut, new ones refused) and
 * comes back: votes are answered 503 with a message page meanwhile, /readyz
 * says 503, nothing acknowledged is lost, and voting works again without a
 * restart.
 */
import {
  assert,
  assertEquals,
  assertNotIncludes,
  assertStringIncludes,
} from "../_support/assert.ts";
import { Client } from "../_support/client.ts";
import { createServerDatabase } from "../_support/databases.ts";
import { eventually, faultServers, report, sleep } from "../_support/faults.ts";
import { LiveViewer, longestStaleMs } from "../_support/live_viewer.ts";
import { startTestServer } from "../_support/server.ts";
import { TcpProxy } from "../_support/tcp_proxy.ts";
import { account, storedVotes, Voters } from "../_support/voters.ts";

const servers = faultServers("postgres_cut_test");
const VOTERS = 6;
const CUT_MS = 3_000;

Deno.test({
  name:
    "Postgres cut: votes get 503 and a message, /readyz 503, none acknowledged is lost, voting resumes",
  ignore: !servers,
  async fn() {
    const db = await createServerDatabase(servers!.databaseUrl);
    const { proxy, url: proxiedUrl } = TcpProxy.forUrl(db.url);
    const server = await startTestServer({ DATABASE_URL: proxiedUrl });
    const viewers: LiveViewer[] = [];
    const errors: string[] = [];
    const originalError = console.error;
    console.error = (...args: unknown[]) => errors.push(args.map(String).join(" "));
    try {
      const owner = new Client(server.url);
      const id = await owner.createBallot({ measure: "Cut", options_raw: Voters.options(VOTERS) });
      for (let i = 0; i < 2; i++) {
        viewers.push(new LiveViewer(`${server.url}/ballots/${id}/live-results`));
      }
      const voters = new Voters(server.url, id, VOTERS);
      await voters.start();
      await sleep(1_500);

      await proxy.cut();
      const cutAt = performance.now();
      const readyDown = await eventually("readyz 503", async () => {
        const response = await owner.get("/readyz");
        await response.body?.cancel();
        return response.status === 503;
      }, 2_000);
      // One vote of each kind, looked at closely.
      const plain = await voters.castOne(0, false);
      const htmx = await voters.castOne(1, true);
      assertEquals(plain.status, 503, "plain vote while Postgres is cut");
      assertEquals(htmx.status, 503, "HTMX vote while Postgres is cut");
      assertStringIncludes(plain.body, "<html");
      assertStringIncludes(plain.body, "database_unavailable");
      assertStringIncludes(plain.body, "Try again in a moment");
      assertNotIncludes(htmx.body, "<html", "HTMX gets the message fragment alone");
      assertStringIncludes(htmx.body, "database_unavailable");
      for (const body of [plain.body, htmx.body]) {
        assertNotIncludes(body.toLowerCase(), "econn", "no driver error in the page");
        assertNotIncludes(body, "    at ", "no stack trace in the page");
      }
      await sleep(CUT_MS - (performance.now() - cutAt));

      proxy.pass();
      const passAt = performance.now();
      const ackedBefore = voters.acked.length;
      const resumedMs = await eventually(
        "a vote acknowledged again",
        () => voters.acked.length > ackedBefore,
        10_000,
      );
      const readyUp = await eventually("readyz 200", async () => {
        const response = await owner.get("/readyz");
        await response.body?.cancel();
        return response.status === 200;
      }, 5_000);
      await sleep(1_000);
      await voters.stop();
      const stoppedAt = performance.now();

      const stored = await storedVotes(db.url, id);
      const figures = account(voters, stored);
      const settleMs = Math.max(
        ...await Promise.all(viewers.map((viewer) => viewer.waitForTotal(figures.stored, 5_000))),
      );
      const statuses = voters.statuses();
      if (Deno.env.get("FAULT_DEBUG")) {
        const t0 = voters.records[0].at;
        console.log(
          voters.records.map((r) => `${Math.round(r.at - t0)}:${r.voter}:${r.status}`).join(" "),
        );
        for (const v of viewers) {
          console.log(v.shown.map((s) => `${Math.round(s.at - t0)}:${s.total}`).join(" "));
        }
        console.log("cut", Math.round(cutAt - t0), "pass", Math.round(passAt - t0));
      }
      const duringCut = voters.records.filter((r) => r.at > cutAt + 100 && r.at < passAt);
      report("postgres-cut", {
        ...figures,
        statuses,
        cut_ms: Math.round(passAt - cutAt),
        readyz_503_after_ms: readyDown,
        first_ack_after_return_ms: resumedMs,
        readyz_200_after_return_ms: readyUp,
        viewers_settled_after_stop_ms: Math.round(settleMs),
        longest_stale_ms: longestStaleMs(
          voters.acked.map((r) => r.at),
          viewers,
          stoppedAt + settleMs,
        ),
      });
      assertEquals(figures.lost, 0, "acknowledged votes missing from the database");
      assert(figures.inDoubt <= VOTERS, "at most one in-doubt vote per voter");
      assert(!("500" in statuses), "no 500 answers");
      assert(
        duringCut.length > 0 && duringCut.every((r) => r.status === 503),
        "only 503 while cut",
      );
      assert(
        figures.acked > 0 && voters.acked.at(-1)!.at > passAt,
        "votes acknowledged after return",
      );
      assert(errors.every((line) => !/^\s+at /m.test(line)), "no stack trace in the log");
    } finally {
      console.error = originalError;
      await Promise.all(viewers.map((viewer) => viewer.close()));
      await server.close();
      await proxy.close();
      await db.drop();
    }
  },
});
