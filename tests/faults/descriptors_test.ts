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

async function rawRequest(port: number, request: string): Promise<RawAnswer> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(request));
    const buffer = new Uint8Array(16 * 1024);
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes("\r\n\r\n")) {
      const n = await conn.read(buffer);
      if (n === null) throw new Error(`closed before the response head: ${JSON.stringify(text)}`);
      text += decoder.decode(buffer.subarray(0, n), { stream: true });
    }
    const [head, ...rest] = text.split("\r\n\r\n");
    let body = rest.join("\r\n\r\n");
    const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? NaN);
    while (body.length < length) {
      const n = await conn.read(buffer);
      if (n === null) break;
      body += decoder.decode(buffer.subarray(0, n), { stream: true });
    }
    return { conn, status: Number(head.split(" ")[1]), head, body };
  } catch (error) {
    conn.close();
    throw error;
  }
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
  return await Promise.race([oponn.exited.then(() => false), sleep(50).then(() => true)]);
}

async function healthz(oponn: OponnProcess): Promise<number> {
  const response = await fetch(`${oponn.url}/healthz`, { signal: AbortSignal.timeout(3_000) });
  await response.body?.cancel();
  return response.status;
}

async function withOponn(
  fn: (oponn: OponnProcess, ballotId: string, client: Client) => Promise<void>,
): Promise<void> {
  let db: TestDatabase | undefined;
  let oponn: OponnProcess | undefined;
  try {
    db = await createServerDatabase(servers!.databaseUrl);
    oponn = await spawnOponn({ DATABASE_URL: db.url }, { descriptorLimit: LIMIT });
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
    await withOponn(async (oponn, ballotId, client) => {
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
        for (let i = 0; i < 40; i++) idle.push(await Deno.connect({ port: oponn.port }));

        const page = await client.get(`/vote/${ballotId}`);
        await page.body?.cancel();
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
        assert(await alive(oponn), `the process ended: ${oponn.stderr()}`);
        assertEquals(failed.length, 0, `connections that failed: ${failed.map(String).slice(0, 3)}`);
        assertEquals(held.length, caps.streams, "streams held: exactly the cap");
        assertEquals(refused.length, STREAMS_TRIED - caps.streams, "every stream past the cap: 503");
        for (const answer of refused) {
          assertMatch(header(answer, "retry-after") ?? "", /^\d+$/, "Retry-After on a 503");
          assertStringIncludes(answer.body, BUSY);
        }
        assertEquals(await healthz(oponn), 200, "/healthz while the streams are held");
        assertEquals(page.status, 200, "a page while the streams are held");

        closeAll(held);
        closeAll(idle);
        const releasedMs = await eventually("a new stream accepted", async () => {
          const answer = await openStream(oponn.port, ballotId);
          answer.conn.close();
          return answer.status === 200;
        }, 20_000, 100);
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
        const refused = await rawRequest(oponn.port, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
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
        await eventually("a page served again", async () => {
          const page = await client.get("/");
          await page.body?.cancel();
          return page.status === 200;
        }, 20_000, 100);
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
        const backMs = await eventually("/healthz answers again", async () => {
          try {
            return await healthz(oponn) === 200;
          } catch {
            return false;
          }
        }, 10_000, 100);
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
        assert(livedThrough, `the process ended: ${oponn.stderr()}`);
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
