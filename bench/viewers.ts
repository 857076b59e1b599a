/**
 * Viewer process: opens `count` live-results streams (raw HTTP/1.1 over TCP,
 * as an EventSource would), prints `READY {json}` once every stream has shown
 * its first event, records when each stream first sees each event id, and on
 * `stop` (a line on stdin) closes them and prints `RESULT {json}`.
 *
 *   deno run -A bench/viewers.ts '{"target":"http://127.0.0.1:8000","path":"/ballots/x/live-results","count":2500}'
 */
import { encodeRequest } from "./http1.ts";
import { wallMs } from "./stats.ts";

export interface ViewersConfig {
  target: string;
  path: string;
  count: number;
  /** Connections being opened at once. */
  openConcurrency?: number;
}

export interface ViewersResult {
  opened: number;
  failed: number;
  /** Streams the server ended or broke before `stop`. */
  lost: number;
  failures: string[];
  /** [event id, streams that saw it, first receipt, last receipt (wall ms)] */
  ids: [number, number, number, number][];
}

interface Seen {
  count: number;
  first: number;
  last: number;
}

const seen = new Map<number, Seen>();

function record(id: number, at: number): void {
  const entry = seen.get(id);
  if (!entry) seen.set(id, { count: 1, first: at, last: at });
  else {
    entry.count++;
    if (at > entry.last) entry.last = at;
    if (at < entry.first) entry.first = at;
  }
}

// Event ids are opaque versions; the results fragment carries the vote total itself.
const PREFIX = new TextEncoder().encode('data-total="');
const QUOTE = 34;
const FIRST = PREFIX[0];

/** Streaming matcher for `data-total="<digits>"`, safe across read boundaries. */
class IdScanner {
  #matched = 0;
  #digits = -1;
  lastId = -1;

  /** Calls `onId` for each id greater than the last one seen on this stream. */
  scan(bytes: Uint8Array, length: number, onId: (id: number) => void): void {
    for (let i = 0; i < length; i++) {
      const byte = bytes[i];
      if (this.#digits >= 0) {
        if (byte >= 48 && byte <= 57) {
          this.#digits = this.#digits * 10 + (byte - 48);
          continue;
        }
        if (byte === QUOTE && this.#digits > this.lastId) {
          this.lastId = this.#digits;
          onId(this.#digits);
        }
        this.#digits = -1;
        this.#matched = byte === FIRST ? 1 : 0;
        continue;
      }
      if (byte === PREFIX[this.#matched]) {
        this.#matched++;
        if (this.#matched === PREFIX.length) {
          this.#matched = 0;
          this.#digits = 0;
        }
      } else {
        this.#matched = byte === FIRST ? 1 : 0;
      }
    }
  }
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

async function main(config: ViewersConfig): Promise<void> {
  const url = new URL(config.target);
  const conns: Deno.TcpConn[] = [];
  const failures: string[] = [];
  let failed = 0;
  let lost = 0;
  let stopping = false;
  const fail = (message: string) => {
    failed++;
    if (failures.length < 5) failures.push(message);
  };

  /** Opens one stream; resolves when its first event arrived, then keeps reading. */
  const open = async (): Promise<void> => {
    const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
    conns.push(conn);
    // An EventSource of a tab that loaded the page: it has the session cookie.
    const request = encodeRequest("GET", config.path, url.host, {
      "User-Agent": "oponn-bench",
      Accept: "text/event-stream",
      "Cache-Control": "no-cache",
      Cookie: `oponn_csrf_token=${randomToken()}`,
    });
    let offset = 0;
    while (offset < request.length) offset += await conn.write(request.subarray(offset));
    const buf = new Uint8Array(8 * 1024);
    const scanner = new IdScanner();
    let first = true;
    let firstEvent!: () => void;
    const ready = new Promise<void>((resolve) => (firstEvent = resolve));
    const onId = (id: number) => {
      record(id, wallMs());
      if (first) {
        first = false;
        firstEvent();
      }
    };
    const reading = (async () => {
      let statusChecked = false;
      while (true) {
        let read: number | null;
        try {
          read = await conn.read(buf);
        } catch (error) {
          if (!stopping) throw error;
          return;
        }
        if (read === null) {
          if (!stopping) throw new Error("stream ended by the server");
          return;
        }
        if (!statusChecked) {
          statusChecked = true;
          const status = new TextDecoder().decode(buf.subarray(9, 12));
          if (status !== "200") throw new Error(`HTTP ${status}`);
        }
        scanner.scan(buf, read, onId);
      }
    })();
    await Promise.race([
      ready,
      reading.then(() => {
        throw new Error("stream ended before its first event");
      }),
    ]);
    reading.catch((error) => {
      if (!stopping) {
        lost++;
        if (failures.length < 5) failures.push(`lost: ${(error as Error).message}`);
      }
    });
  };

  let next = 0;
  const opener = async () => {
    while (next < config.count) {
      next++;
      try {
        await open();
      } catch (error) {
        fail((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: config.openConcurrency ?? 64 }, opener));
  const opened = config.count - failed;
  console.log(`READY ${JSON.stringify({ opened, failed, failures })}`);

  // Wait for "stop".
  const decoder = new TextDecoder();
  let input = "";
  for await (const chunk of Deno.stdin.readable) {
    input += decoder.decode(chunk);
    if (input.includes("stop")) break;
  }
  stopping = true;
  for (const conn of conns) {
    try {
      conn.close();
    } catch { /* closed */ }
  }
  const result: ViewersResult = {
    opened,
    failed,
    lost,
    failures,
    ids: [...seen].map(([id, entry]) => [id, entry.count, entry.first, entry.last]),
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
}

if (import.meta.main) {
  await main(JSON.parse(Deno.args[0]) as ViewersConfig);
  Deno.exit(0);
}
