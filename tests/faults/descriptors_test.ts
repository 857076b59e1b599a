/**
 * Never crash from load (issue 9, finding 3). A real Oponn process on the
 * Postgres server under `ulimit -n 1024`: live streams past the cap derived
 * from that limit get a 503 with `Retry-After` and a message, requests past
 * the connection cap too, /healthz answers throughout, and a descriptor table
 * filled anyway (raw idle sockets) costs the listener a pause, not the process.
 * Before: ~1,100 streams ended the process with `Uncaught (in promise) Http:
 * Error: Too many open files (os error 24)`.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_support/assert.ts";
import { Client } from "../_support/client.ts";
import { createServerDatabase, type TestDatabase } from "../_support/databases.ts";
import { eventually, faultServers, report, sleep } from "../_support/faults.ts";
import { type OponnProcess, spawnOponn, stackTraceLines } from "../_support/oponn_process.ts";
import { startTestServer } from "../_support/server.ts";
import { deriveBudget } from "../../lib/limits/descriptors.ts";

const servers = faultServers("descriptors_test");
const LIMIT = 1024;
const STREAMS_TRIED = 1_100;
const BUSY = "This server is holding as many";

/** One HTTP/1.1 request on its own socket, read up to the end of the response head. */
interface RawAnswer {
  conn: Deno.Conn;
  status: number;
  head: string;
  body: string;
}

/** No answer within this: the socket is closed and the request fails. */
const ANSWER_MS = 5_000;

async function rawRequest(port: number, request: string): Promise<RawAnswer> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => conn.close(), ANSWER_MS);
  try {
    await conn.write(new TextEncoder().encode(request));
    const buffer = new Uint8Array(16 * 1024);
    let received = new Uint8Array(0);
    let headEnd = -1;
    // Bytes, not characters: a page's Content-Length counts bytes.
    while (headEnd < 0 || received.length < headEnd + 4 + contentLength(received, headEnd)) {
      const n = await conn.read(buffer);
      if (n === null) {
        if (headEnd >= 0) break;
        throw new Error(`closed before the response head: ${new TextDecoder().decode(received)}`);
      }
      const joined = new Uint8Array(received.length + n);
      joined.set(received);
      joined.set(buffer.subarray(0, n), received.length);
      received = joined;
      if (headEnd < 0) headEnd = indexOfBlankLine(received);
    }
    const head = new TextDecoder().decode(received.subarray(0, headEnd));
    const body = new TextDecoder().decode(received.subarray(headEnd + 4));
    return { conn, status: Number(head.split(" ")[1]), head, body };
  } catch (error) {
    try {
      conn.close();
    } catch { /* closed by the timer */ }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function indexOfBlankLine(bytes: Uint8Array): number {
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
      return i;
    }
  }
  return -1;
}

/** The response's Content-Length, or 0 (a stream: the head is all we wait for). */
function contentLength(received: Uint8Array, headEnd: number): number {
  const head = new TextDecoder().decode(received.subarray(0, headEnd));
  return Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
}

function header(answer: RawAnswer, name: string): string | undefined {
  return new RegExp(`\\r\\n${name}: ([^\\r]*)`, "i").exec(answer.head)?.[1];
}

function openStream(port: number, ballotId: string): Promise<RawAnswer> {
  return rawRequest(
    port,
    `GET /ballots/${ballotId}/live-results HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`,
  );
}

/** Runs `task` for 0…count-1, at most `width` at a time. */
async function inBatches<T>(count: number, width: number, task: (i: number) => Promise<T>) {
  const results: PromiseSettledResult<T>[] = [];
  for (let start = 0; start < count; start += width) {
    const batch = Array.from({ length: Math.min(width, count - start) }, (_, k) => task(start + k));
    results.push(...await Promise.allSettled(batch));
  }
  return results;
}

function closeAll(conns: Deno.Conn[]): void {
  for (const conn of conns.splice(0)) {
    try {
      conn.close();
    } catch { /* already closed */ }
  }
}

/** The caps a process under `ulimit -n 1024` must hold (`deno run`: one worker). */
const caps = deriveBudget(LIMIT, 1);

async function alive(oponn: OponnProcess): Promise<boolean> {
  return await Promise.race([oponn.exited.then(() => false), sleep(300).then(() => true)]);
}

async function status(oponn: OponnProcess, path: string): Promise<number> {
  const response = await fetch(oponn.url + path, { signal: AbortSignal.timeout(ANSWER_MS) });
  await response.body?.cancel();
  return response.status;
}

const healthz = (oponn: OponnProcess) => status(oponn, "/healthz");

/**
 * On a connection of its own: connections accepted before the listener went
 * away are still served, so only a new one shows that Oponn accepts again.
 */
async function freshHealthz(port: number): Promise<number> {
  try {
    const answer = await rawRequest(port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    answer.conn.close();
    return answer.status;
  } catch {
    return 0;
  }
}

async function withOponn(
  fn: (oponn: OponnProcess, ballotId: string, client: Client) => Promise<void>,
  spawn: { args?: string[]; env?: Record<string, string> } = {},
): Promise<void> {
  let db: TestDatabase | undefined;
  let oponn: OponnProcess | undefined;
  try {
    db = await createServerDatabase(servers!.databaseUrl);
    oponn = await spawnOponn({ DATABASE_URL: db.url, ...spawn.env }, {
      descriptorLimit: LIMIT,
      args: spawn.args,
    });
    const client = new Client(oponn.url);
    const ballotId = await client.createBallot({ measure: "Load", options_raw: "Yes, No" });
    await fn(oponn, ballotId, client);
  } finally {
    await oponn?.stop();
    await db?.drop();
  }
}

Deno.test({
  name:
    "ulimit -n 1024: streams past the derived cap get 503 with Retry-After and a message, the process lives, /healthz answers, streams are taken again once closed",
  ignore: !servers,
  sanitizeResources: false,
  async fn() {
    await withOponn(async (oponn, ballotId) => {
      assert(caps.streams < STREAMS_TRIED, `a stream cap below ${STREAMS_TRIED}: ${caps.streams}`);
      const held: Deno.Conn[] = [];
      const idle: Deno.Conn[] = [];
      try {
        const answers = await inBatches(STREAMS_TRIED, 50, async () => {
          const answer = await openStream(oponn.port, ballotId);
          // An EventSource closes a connection it was refused on; a stream it keeps.
          if (answer.status === 200) held.push(answer.conn);
          else answer.conn.close();
          return answer;
        });
        const failed = answers.filter((a) => a.status === "rejected");
        const done = answers.flatMap((a) => a.status === "fulfilled" ? [a.value] : []);
        const refused = done.filter((a) => a.status === 503);
        for (let i = 0; i < 40; i++) {
          try {
            idle.push(await Deno.connect({ port: oponn.port }));
          } catch { /* the process is gone: asserted below */ }
        }

        assert(await alive(oponn), `the process ended: ${oponn.stderr()}`);
        const page = await status(oponn, `/vote/${ballotId}`);
        report("descriptors_streams", {
          limit: LIMIT,
          stream_cap: caps.streams,
          connection_cap: caps.connections,
          tried: STREAMS_TRIED,
          held: held.length,
          refused: refused.length,
          failed: failed.length,
          idle_sockets: idle.length,
        });
        assertEquals(
          failed.length,
          0,
          `connections that failed: ${failed.map(String).slice(0, 3)}`,
        );
        assertEquals(held.length, caps.streams, "streams held: exactly the cap");
        assertEquals(
          refused.length,
          STREAMS_TRIED - caps.streams,
          "every stream past the cap: 503",
        );
        for (const answer of refused) {
          assertMatch(header(answer, "retry-after") ?? "", /^\d+$/, "Retry-After on a 503");
          assertStringIncludes(answer.body, BUSY);
        }
        assertEquals(await healthz(oponn), 200, "/healthz while the streams are held");
        assertEquals(page, 200, "a page while the streams are held");

        closeAll(held);
        closeAll(idle);
        const releasedMs = await eventually(
          "a new stream accepted",
          async () => {
            const answer = await openStream(oponn.port, ballotId);
            answer.conn.close();
            return answer.status === 200;
          },
          20_000,
          100,
        );
        const again = await inBatches(20, 20, () => openStream(oponn.port, ballotId));
        const statuses = again.map((a) => a.status === "fulfilled" ? a.value.status : 0);
        for (const a of again) if (a.status === "fulfilled") a.value.conn.close();
        report("descriptors_streams_after", { released_ms: releasedMs, statuses });
        assert(statuses.every((status) => status === 200), `after closing: ${statuses}`);
        assertEquals(stackTraceLines(oponn.stderr()), [], "no stack trace in the log");
      } finally {
        closeAll(held);
        closeAll(idle);
      }
    });
  },
});

Deno.test({
  name:
    "ulimit -n 1024: requests past the connection cap (streams plus half-sent bodies) get 503 with Retry-After and a message; /healthz still answers",
  ignore: !servers,
  sanitizeResources: false,
  async fn() {
    await withOponn(async (oponn, ballotId, client) => {
      const held: Deno.Conn[] = [];
      try {
        await inBatches(caps.streams, 50, async () => {
          const answer = await openStream(oponn.port, ballotId);
          assertEquals(answer.status, 200);
          held.push(answer.conn);
        });
        // Requests that wait for the rest of their body: each holds a handler.
        await client.open(`/vote/${ballotId}`);
        const vote = `POST /vote/${ballotId} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
          `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n` +
          `X-CSRF-Token: ${client.csrfToken}\r\nCookie: ${client.cookieHeader()}\r\n\r\noption=Yes&`;
        const waiting = caps.connections - caps.streams;
        for (let i = 0; i < waiting; i++) {
          const conn = await Deno.connect({ port: oponn.port });
          held.push(conn);
          await conn.write(new TextEncoder().encode(vote));
        }
        await sleep(300);
        const page = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        const refused = await rawRequest(oponn.port, page).catch((error: Error) => error);
        assert(await alive(oponn), `the process ended: ${oponn.stderr()}`);
        assert(!(refused instanceof Error), `no answer to a page: ${refused}`);
        refused.conn.close();
        const health = await healthz(oponn);
        report("descriptors_connections", {
          streams: caps.streams,
          half_sent: waiting,
          status: refused.status,
          retry_after: header(refused, "retry-after"),
        });
        assertEquals(refused.status, 503, "a page past the connection cap");
        assertMatch(header(refused, "retry-after") ?? "", /^\d+$/);
        assertStringIncludes(refused.body, BUSY);
        assertEquals(health, 200, "/healthz past the connection cap");
        assert(await alive(oponn), `the process ended: ${oponn.stderr()}`);

        closeAll(held);
        await eventually(
          "a page served again",
          async () => {
            return await status(oponn, "/").catch(() => 0) === 200;
          },
          20_000,
          100,
        );
      } finally {
        closeAll(held);
      }
    });
  },
});

Deno.test({
  name:
    "ulimit -n 1024: a descriptor table filled anyway (raw idle sockets) does not end the process; it serves again once they close",
  ignore: !servers,
  sanitizeResources: false,
  async fn() {
    await withOponn(async (oponn, ballotId) => {
      const sockets: Deno.Conn[] = [];
      try {
        let refusedConnects = 0;
        for (let i = 0; i < LIMIT + 200; i++) {
          try {
            // While the listener is gone or its queue full, a connect is refused or hangs.
            const signal = AbortSignal.timeout(500);
            sockets.push(await Deno.connect({ port: oponn.port, signal }));
          } catch {
            refusedConnects++;
          }
        }
        await sleep(1_000);
        const livedThrough = await alive(oponn);
        const fullLines = oponn.stderr().split("\n").filter((l) => /Too many open files/.test(l));
        const opened = sockets.length;
        closeAll(sockets);
        assert(livedThrough, `the process ended: ${oponn.stderr()}`);
        const backMs = await eventually(
          "/healthz answers again on a new connection",
          async () => {
            return await freshHealthz(oponn.port) === 200;
          },
          10_000,
          100,
        );
        const stream = await openStream(oponn.port, ballotId);
        stream.conn.close();
        report("descriptors_full_table", {
          limit: LIMIT,
          sockets_opened: opened,
          connects_refused: refusedConnects,
          log_lines: fullLines.length,
          serving_again_ms: backMs,
          stream_after: stream.status,
        });
        assert(fullLines.length >= 1, "the full table is logged");
        assertEquals(stream.status, 200, "a live stream after the sockets closed");
        assert(await alive(oponn), `the process ended: ${oponn.stderr()}`);
        assertEquals(stackTraceLines(oponn.stderr()), [], "no stack trace in the log");
      } finally {
        closeAll(sockets);
      }
    });
  },
});

Deno.test({
  name:
    "`deno serve --parallel`, 2 workers, ulimit -n 1024: the workers together hold no more streams than the process's cap, and the process lives through a full table",
  ignore: !servers,
  sanitizeResources: false,
  async fn() {
    const port = freePort();
    const budget = deriveBudget(LIMIT, 2);
    const args = ["serve", "--parallel", "-A", "--host", "127.0.0.1", "--port", String(port)];
    await withOponn(async (oponn, ballotId) => {
      const held: Deno.Conn[] = [];
      const sockets: Deno.Conn[] = [];
      try {
        const answers = await inBatches(STREAMS_TRIED, 50, async () => {
          const answer = await openStream(port, ballotId);
          if (answer.status === 200) held.push(answer.conn);
          else answer.conn.close();
          return answer.status;
        });
        const refused = answers.filter((a) => a.status === "fulfilled" && a.value === 503).length;
        assert(await alive(oponn), `the process ended: ${oponn.stderr()}`);
        const streamsHeld = held.length;
        for (let i = 0; i < LIMIT; i++) {
          try {
            sockets.push(await Deno.connect({ port, signal: AbortSignal.timeout(500) }));
          } catch { /* refused or queued while no worker listens */ }
        }
        await sleep(1_000);
        const livedThrough = await alive(oponn);
        const opened = sockets.length;
        closeAll(sockets);
        closeAll(held);
        assert(livedThrough, `the process ended: ${oponn.stderr()}`);
        const backMs = await eventually(
          "/healthz answers again on a new connection",
          async () => {
            return await freshHealthz(port) === 200;
          },
          10_000,
          100,
        );
        const stream = await openStream(port, ballotId);
        stream.conn.close();
        report("descriptors_serve_parallel", {
          workers: 2,
          stream_cap: budget.streams,
          per_worker: budget.perWorker.streams,
          held: streamsHeld,
          refused,
          idle_sockets_opened: opened,
          serving_again_ms: backMs,
        });
        assert(streamsHeld <= budget.streams, `${streamsHeld} streams held, cap ${budget.streams}`);
        assert(streamsHeld > budget.perWorker.streams, `both workers took streams: ${streamsHeld}`);
        assertEquals(refused, STREAMS_TRIED - streamsHeld, "every stream past the cap: 503");
        assertEquals(stream.status, 200, "a live stream after the sockets closed");
        assert(/Too many open files/.test(oponn.stderr()), "the full table is logged");
        assertEquals(stackTraceLines(oponn.stderr()), [], "no stack trace in the log");
      } finally {
        closeAll(held);
        closeAll(sockets);
      }
    }, { args: [...args, "serve.ts"], env: { DENO_JOBS: "2" } });
  },
});

Deno.test({
  name: "a request whose body stops half-way is answered 408 with a message at the body deadline",
  ignore: !servers,
  sanitizeResources: false,
  async fn() {
    const db = await createServerDatabase(servers!.databaseUrl);
    const server = await startTestServer({ DATABASE_URL: db.url }, {
      limits: { bodyTimeoutMs: 1_000 },
    });
    try {
      const client = new Client(server.url);
      const ballotId = await client.createBallot({ measure: "Slow", options_raw: "Yes, No" });
      await client.open(`/vote/${ballotId}`);
      const started = performance.now();
      const answer = await rawRequest(
        Number(new URL(server.url).port),
        `POST /vote/${ballotId} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
          `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n` +
          `X-CSRF-Token: ${client.csrfToken}\r\nCookie: ${client.cookieHeader()}\r\n\r\noption=Yes&`,
      );
      const tookMs = Math.round(performance.now() - started);
      answer.conn.close();
      report("descriptors_body_deadline", { deadline_ms: 1_000, answered_ms: tookMs });
      assertEquals(answer.status, 408);
      assertStringIncludes(answer.body, "did not complete within 1 second;");
      assert(tookMs >= 950 && tookMs < 3_000, `answered after ${tookMs} ms`);
    } finally {
      await server.close();
      await db.drop();
    }
  },
});

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}
