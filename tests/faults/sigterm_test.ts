/**
 * SIGTERM while votes arrive and viewers watch: the process stops accepting,
 * finishes the votes in flight, ends the live streams (which opened with a
 * retry hint), exits 0 after the lame-duck time and within 10 s, and every
 * acknowledged vote is stored.
 * Run twice: `deno run main.ts` (`deno task start`) and `deno serve --parallel`
 * with two workers (`deno task prod`, the container's command).
 */
import { assert, assertEquals } from "../_support/assert.ts";
import { Client } from "../_support/client.ts";
import { createServerDatabase } from "../_support/databases.ts";
import { faultServers, report, sleep } from "../_support/faults.ts";
import { LiveViewer } from "../_support/live_viewer.ts";
import { freePort } from "../_support/nginx.ts";
import { serveParallelArgs, spawnOponn, stackTraceLines } from "../_support/oponn_process.ts";
import { account, storedVotes, Voters } from "../_support/voters.ts";
import { LAME_DUCK_MS } from "../../lib/ops/launch.ts";

const servers = faultServers("sigterm_test");
const VOTERS = 8;

Deno.test({
  name:
    "SIGTERM: stops accepting, finishes votes in flight, ends streams, exits 0 within 10 s, loses nothing",
  ignore: !servers,
  fn: () => sigterm("sigterm"),
});

Deno.test({
  name:
    "SIGTERM under `deno serve --parallel` (2 workers): every worker drains, votes in flight are answered and stored, exit 0 within 10 s",
  ignore: !servers,
  fn: () => sigterm("sigterm_serve_parallel", { workers: 2 }),
});

async function sigterm(label: string, parallel?: { workers: number }) {
  const db = await createServerDatabase(servers!.databaseUrl);
  const port = parallel ? freePort() : 0;
  const oponn = await spawnOponn(
    {
      DATABASE_URL: db.url,
      // The workers of one process share live updates through Redis, as in production.
      ...(parallel ? { REDIS_URL: servers!.redisUrl, DENO_JOBS: String(parallel.workers) } : {}),
    },
    parallel ? { args: serveParallelArgs(port) } : {},
  );
  const viewers: LiveViewer[] = [];
  try {
    const owner = new Client(oponn.url);
    const id = await owner.createBallot({ measure: "Term", options_raw: Voters.options(VOTERS) });
    for (let i = 0; i < 3; i++) {
      viewers.push(new LiveViewer(`${oponn.url}/ballots/${id}/live-results`));
    }
    const voters = new Voters(oponn.url, id, VOTERS, 5);
    await voters.start();
    await sleep(1_500);

    const termAt = performance.now();
    oponn.kill("SIGTERM");
    // `deno run main.ts` drains while still listening: /readyz says so, and the
    // answer tells the client (nginx) not to reuse the connection. (Deno leaves
    // the connection open after such an answer: the client closes it.)
    const drainAnswer = parallel ? undefined : await (async () => {
      await sleep(300);
      return await rawGet(oponn.port, "/readyz");
    })();
    // Bounded: a process that does not exit fails the test instead of hanging it.
    const status = await Promise.race([oponn.exited, sleep(15_000).then(() => undefined)]);
    if (!status) oponn.kill("SIGKILL");
    const exitMs = Math.round(performance.now() - termAt);
    await voters.stop();

    const stored = await storedVotes(db.url, id);
    const figures = account(voters, stored);
    const statuses = voters.statuses();
    // Answered after the signal: requests that were in flight, finished rather than dropped.
    const finishedAfter = voters.acked.filter((r) => r.at > termAt).length;
    const streamsEnded = viewers.map((v) => v.connects[0].endedAt ?? Infinity);
    const lastShown = Math.max(...viewers.map((v) => v.total));
    report(label, {
      drain_answer: drainAnswer &&
        `${drainAnswer.status} ${/^connection: close$/im.test(drainAnswer.head) ? "close" : ""}`,
      ...figures,
      statuses,
      exit_code: status?.code ?? "still running after 15 s",
      exit_ms: exitMs,
      acked_after_sigterm: finishedAfter,
      streams_ended_after_ms: streamsEnded.map((at) => Math.round(at - termAt)),
      viewers_last_total: lastShown,
    });
    assertEquals(status?.code, 0, "a clean exit");
    if (drainAnswer) {
      assertEquals(drainAnswer.status, 503, "/readyz while draining");
      assert(/^connection: close$/im.test(drainAnswer.head), `headers: ${drainAnswer.head}`);
    }
    assert(exitMs < 10_000, `exited in ${exitMs} ms`);
    // main.ts listens on, draining, for LAME_DUCK_MS; under `deno serve` Deno stops
    // listening at once and each worker stays up that long, so its exit cuts no
    // connection the serve loop is finishing (nginx answers those 502).
    assert(exitMs >= LAME_DUCK_MS, `exited ${exitMs} ms after SIGTERM, before ${LAME_DUCK_MS} ms`);
    assertEquals(figures.lost, 0, "acknowledged votes missing from the database");
    assertEquals(figures.inDoubt, 0, "a graceful stop leaves nothing in doubt");
    assertEquals(figures.acked, figures.stored);
    for (const [code, count] of Object.entries(statuses)) {
      assert(!/^5/.test(code), `${count} answers with status ${code}`);
    }
    assert(viewers.every((v) => v.retryMs === 2000), "every stream carried the retry hint");
    assert(streamsEnded.every((at) => at - termAt < 10_000), "every stream was ended");
    const traces = stackTraceLines(oponn.stderr());
    assertEquals(traces, [], "no stack trace in the log");
    // Nothing listens any more.
    const refused = await fetch(`${oponn.url}/healthz`).then(() => false, () => true);
    assert(refused, "the port no longer accepts connections");
  } finally {
    await Promise.all(viewers.map((viewer) => viewer.close()));
    await oponn.stop();
    await db.drop();
  }
}

/**
 * One GET on a fresh connection, read raw (fetch hides `Connection`): the
 * status, the header block, and whether the server closed the connection
 * within 3 s.
 */
async function rawGet(port: number, path: string) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(
      new TextEncoder().encode(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`),
    );
    let text = "";
    let closed = false;
    // A server that keeps the connection open: the read ends when this closes it.
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      conn.close();
    }, 3_000);
    const buffer = new Uint8Array(16 * 1024);
    try {
      for (;;) {
        const read = await conn.read(buffer);
        if (read === null) break;
        text += new TextDecoder().decode(buffer.subarray(0, read));
      }
      closed = !timedOut;
    } catch {
      closed = false;
    } finally {
      clearTimeout(timer);
    }
    const head = text.split("\r\n\r\n")[0];
    return { status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1]), head, closed };
  } finally {
    try {
      conn.close();
    } catch { /* closed already */ }
  }
}
