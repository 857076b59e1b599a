/**
 * Load generator process: `connections` voters, each one a browser tab with its
 * own cookie and CSRF token on its own keep-alive connection, posting the vote
 * form as htmx does, back to back (closed loop) or on a fixed schedule
 * (`ratePerS`, open loop). Prints `RESULT {json}` on its last line.
 *
 *   deno run -A bench/voters.ts '{"targets":["http://127.0.0.1:8000"],"path":"/vote/abc",...}'
 */
import { csrfTokenOf, encodeRequest, Http1Connection, setCookies } from "./http1.ts";
import { Histogram, type HistogramJson, wallMs } from "./stats.ts";

export interface VotersConfig {
  /** Base URLs; voters are spread over them round-robin. */
  targets: string[];
  /** `/vote/{id}` (or any path answering the POST, for the bare server). */
  path: string;
  option: string;
  connections: number;
  warmupMs: number;
  durationMs: number;
  /** Total votes per second across all voters; absent: as fast as answers come. */
  ratePerS?: number;
  /** GET the page first for the cookie and token (false for the bare server). */
  setup: boolean;
  /** Keep the wall-clock time of every 2xx answer (for the fan-out latency). */
  recordTimes?: boolean;
}

export interface VotersResult {
  /** 2xx answers completed inside the measuring window. */
  ok: number;
  /** 2xx answers in the whole run, warm-up included. */
  okTotal: number;
  errors: number;
  errorSamples: string[];
  windowMs: number;
  latency: HistogramJson;
  /** Wall-clock ms of each 2xx answer, in order, when recordTimes. */
  answeredAt?: number[];
}

async function run(config: VotersConfig): Promise<VotersResult> {
  const latency = new Histogram();
  const answeredAt: number[] = [];
  const errorSamples: string[] = [];
  let ok = 0;
  let okTotal = 0;
  let errors = 0;
  const fail = (message: string) => {
    errors++;
    if (errorSamples.length < 5) errorSamples.push(message);
  };

  const voters = await Promise.all(
    Array.from(
      { length: config.connections },
      (_, index) => openVoter(config, config.targets[index % config.targets.length]),
    ),
  );

  const start = performance.now();
  const windowStart = start + config.warmupMs;
  const windowEnd = windowStart + config.durationMs;
  const intervalMs = config.ratePerS ? 1000 / config.ratePerS : 0;

  await Promise.all(voters.map(async (voter, index) => {
    for (let i = 0;; i++) {
      if (intervalMs > 0) {
        const due = start + (i * config.connections + index) * intervalMs;
        if (due >= windowEnd) return;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      } else if (performance.now() >= windowEnd) {
        return;
      }
      const sent = performance.now();
      try {
        const response = await voter.conn.request(voter.request);
        const done = performance.now();
        if (response.status < 200 || response.status > 299) {
          fail(`HTTP ${response.status}: ${new TextDecoder().decode(response.body).slice(0, 200)}`);
          continue;
        }
        okTotal++;
        if (config.recordTimes) answeredAt.push(wallMs());
        if (done >= windowStart && done <= windowEnd) {
          ok++;
          latency.record(done - sent);
        }
      } catch (error) {
        fail(`${(error as Error).message}`);
        voter.conn.close();
        try {
          Object.assign(voter, await openVoter(config, voter.target));
        } catch (reopen) {
          fail(`reconnect: ${(reopen as Error).message}`);
          return;
        }
      }
    }
  }));
  for (const voter of voters) voter.conn.close();
  return {
    ok,
    okTotal,
    errors,
    errorSamples,
    windowMs: config.durationMs,
    latency: latency.toJSON(),
    answeredAt: config.recordTimes ? answeredAt : undefined,
  };
}

interface Voter {
  target: string;
  conn: Http1Connection;
  request: Uint8Array;
}

/** Opens the page like a browser tab (cookie + token), then pre-encodes its vote POST. */
async function openVoter(config: VotersConfig, target: string): Promise<Voter> {
  const url = new URL(target);
  const conn = await Http1Connection.open(url.hostname, Number(url.port));
  const host = url.host;
  const headers: Record<string, string> = {
    "User-Agent": "oponn-bench",
    Accept: "*/*",
    Origin: url.origin,
    "Content-Type": "application/x-www-form-urlencoded",
    "HX-Request": "true",
    "HX-Current-URL": `${url.origin}${config.path}`,
    "HX-Target": "vote-form",
  };
  let body = `option=${encodeURIComponent(config.option)}`;
  if (config.setup) {
    const page = await conn.request(
      encodeRequest("GET", config.path, host, { "User-Agent": "oponn-bench", Accept: "text/html" }),
    );
    const cookie = setCookies(page.head).get("oponn_csrf_token");
    const token = csrfTokenOf(new TextDecoder().decode(page.body));
    if (page.status !== 200 || !cookie || !token) {
      conn.close();
      throw new Error(`vote page: HTTP ${page.status}, cookie ${!!cookie}, token ${!!token}`);
    }
    headers.Cookie = `oponn_csrf_token=${cookie}`;
    headers["X-CSRF-Token"] = token;
    body = `X-CSRF-Token=${encodeURIComponent(token)}&${body}`;
  }
  return { target, conn, request: encodeRequest("POST", config.path, host, headers, body) };
}

if (import.meta.main) {
  const config = JSON.parse(Deno.args[0]) as VotersConfig;
  try {
    const result = await run(config);
    console.log(`RESULT ${JSON.stringify(result)}`);
  } catch (error) {
    console.error(`voters: ${(error as Error).message}`);
    Deno.exit(1);
  }
}
