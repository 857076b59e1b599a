/**
 * The bench's hostile phase: for each class of hostile request (cases of the
 * corpus in tests/_support/hostile.ts), what one costs the server and what a
 * stream of them does to everyone else.
 *
 * Per class: the answer time at concurrency 1 (an upper bound on the server
 * time of one request), then the class sent on CONNECTIONS keep-alive
 * connections, at most RATE_PER_S, for the phase's duration, while `/healthz`
 * is probed every PROBE_MS on its own connection. Reported: Oponn's CPU time
 * (utime + stime from /proc, less what the probes cost at rest) from the first
 * request until `/healthz` is quick again, per request sent; and the
 * `/healthz` p99 over the same span, next to the same at rest.
 *
 * Runs inside `deno task bench`, or alone against a fresh Oponn (embedded
 * in-memory database, or BENCH_DATABASE_URL):
 *   deno run -A bench/hostile.ts [--smoke]
 */
import { Client } from "../tests/_support/client.ts";
import { encodeCase, type HostileCase, hostileCorpus } from "../tests/_support/hostile.ts";
import { encodeRequest, Http1Connection } from "./http1.ts";
import { cpuMs, machineInfo, sleep, spawnDeno } from "./proc.ts";
import { BENCH_SECRET } from "./rounds.ts";
import { Histogram, round } from "./stats.ts";

/**
 * Connections sending a class (1 in smoke mode), and their total rate cap: a
 * few attackers, not a flood. A linear server spends a few % of a core on them,
 * so /healthz should not notice; a quadratic one falls behind at once.
 */
const CONNECTIONS = 2;
const RATE_PER_S = 50;
const PROBE_MS = 10;
/** An answer slower than this is cut (the server may still be working on it). */
const ANSWER_TIMEOUT_MS = 30_000;
/** The server counts as quiet again when /healthz answers within this. */
const QUIET_MS = 50;

export interface HostileClassFigures {
  name: string;
  /** The corpus case sent, by name. */
  caseName: string;
  /** Requests sent while the class ran (answered, or cut after ANSWER_TIMEOUT_MS). */
  requests: number;
  /** Cut or failed (no answer read). */
  errors: number;
  statuses: Record<string, number>;
  /**
   * Oponn's CPU from the first request until it is quiet again, the probes'
   * at-rest cost taken out, per request sent.
   */
  cpuMsPerRequest: number;
  /** Slowest answer with one request at a time: the server time of one, at most. */
  c1MaxMs: number;
  c1Requests: number;
  /** The one-at-a-time answer was cut at ANSWER_TIMEOUT_MS. */
  c1Cut: boolean;
  healthzP99Ms: number;
  healthzMaxMs: number;
  /** Probes answered other than 200 (or not at all). */
  healthzFailed: number;
  seconds: number;
}

export interface HostileFigures {
  durationS: number;
  connections: number;
  ratePerS: number;
  rest: {
    healthzP99Ms: number;
    healthzMaxMs: number;
    healthzFailed: number;
    probes: number;
    cpuMsPerS: number;
  };
  classes: HostileClassFigures[];
}

interface HostileClass {
  name: string;
  pick: (c: HostileCase) => boolean;
}

const is =
  (route: string, encoding: string, auth: string, shape: (name: string) => boolean) =>
  (c: HostileCase) =>
    c.tags.route === route && c.tags.encoding === encoding && c.tags.auth === auth &&
    c.method === "POST" && shape(c.tags.shape);

/** The classes measured, each one corpus case; the first is the benign baseline. */
const CLASSES: HostileClass[] = [
  {
    name: "baseline: a small refused vote, token",
    pick: is("/vote/{id}", "urlencoded", "token", (s) => s === "duplicate option"),
  },
  {
    name: "repeated key a&a&a… urlencoded 64 KiB, no cookie",
    pick: is("/vote/{id}", "urlencoded", "anonymous", (s) => s.startsWith('"a" repeated')),
  },
  {
    name: "repeated key a&a&a… urlencoded 64 KiB, token",
    pick: is("/vote/{id}", "urlencoded", "token", (s) => s.startsWith('"a" repeated')),
  },
  {
    name: "repeated key a&a&a… urlencoded 64 KiB, cookie, token looked for in the form",
    pick: is("/vote/{id}", "urlencoded", "cookie only", (s) => s.startsWith('"a" repeated')),
  },
  {
    name: "many distinct fields urlencoded 64 KiB, create, token",
    pick: is("/create", "urlencoded", "token", (s) => s.endsWith("distinct field names")),
  },
  {
    name: "multipart, hundreds of tiny parts, token",
    pick: is("/vote/{id}", "multipart", "token", (s) => s.endsWith("tiny parts named option")),
  },
  {
    name: "multipart, hundreds of empty files, create, token",
    pick: is("/create", "multipart", "token", (s) => s.endsWith("empty files named measure")),
  },
  {
    name: "multipart write-in of 60,000+ '<', token",
    pick: is(
      "/vote/{write-in id}",
      "multipart",
      "token",
      (s) => s.endsWith("'<' in write_in_value"),
    ),
  },
  {
    name: "urlencoded write-in of 20,000 '%3C', token",
    pick: is(
      "/vote/{write-in id}",
      "urlencoded",
      "token",
      (s) => s === "run of '%3C' in write_in_value",
    ),
  },
  {
    name: "deep Unicode create: 30,000 combining marks, multipart, token",
    pick: is("/create", "multipart", "token", (s) => s.startsWith("deep Unicode: 'a' and")),
  },
  {
    name: "NFKC-expanding create (U+FDFA…), urlencoded, token",
    pick: is("/create", "urlencoded", "token", (s) => s.startsWith("NFKC-expanding")),
  },
  {
    name: "invalid UTF-8: 64 KiB random bytes urlencoded, token",
    pick: is("/vote/{id}", "urlencoded", "token", (s) => s === "64 KiB of random bytes"),
  },
  {
    name: "invalid UTF-8: 64 KiB random write-in, multipart, token",
    pick: is(
      "/vote/{write-in id}",
      "multipart",
      "token",
      (s) => s === "64 KiB of random bytes in write_in_value",
    ),
  },
  {
    name: "run of '%' urlencoded 64 KiB, token",
    pick: is("/vote/{id}", "urlencoded", "token", (s) => s === "run of '%'"),
  },
  {
    name: "multipart near-miss boundaries, token",
    pick: is("/vote/{id}", "multipart", "token", (s) => s === "near-miss boundaries in option"),
  },
];

export interface HostileConfig {
  smoke: boolean;
  /** Seconds each class is sent (default 3; 0.5 in smoke mode). */
  durationS?: number;
  log?: (message: string) => void;
}

/** Runs the hostile phase against a running Oponn (`pid` for its CPU time). */
export async function hostilePhase(
  base: string,
  pid: number,
  config: HostileConfig,
): Promise<HostileFigures> {
  const log = config.log ?? ((message: string) => console.error(message));
  const durationMs = (config.durationS ?? (config.smoke ? 0.5 : 3)) * 1000;
  const url = new URL(base);
  const host = url.host;

  const client = new Client(base);
  const ballotId = await client.createBallot({
    measure: "Hostile bench",
    options_raw: "alpha, beta",
  });
  const writeInBallotId = await client.createBallot({
    measure: "Hostile bench write-ins",
    options_raw: "alpha",
    allow_write_in: "on",
  });
  await client.open(`/vote/${ballotId}`);
  const corpus = hostileCorpus({
    ballotId,
    writeInBallotId,
    auth: { cookie: client.cookieHeader(), token: client.csrfToken },
  });

  const connections = config.smoke ? 1 : CONNECTIONS;
  log(`hostile: /healthz at rest, ${durationMs / 1000} s`);
  const restCpuBefore = cpuMs(pid);
  const restStarted = performance.now();
  const restProbe = startProbe(url, host);
  await sleep(durationMs);
  const rest = await restProbe.stop();
  const restCpu = cpuMs(pid) - restCpuBefore;
  const cpuMsPerS = restCpu / ((performance.now() - restStarted) / 1000);
  // At rest the server does little but answer the probes: what one costs is taken out below.
  const cpuMsPerProbe = restCpu / Math.max(1, rest.histogram.count);

  const classes: HostileClassFigures[] = [];
  for (const klass of CLASSES) {
    const found = corpus.find(klass.pick);
    if (!found) throw new Error(`hostile: no corpus case for "${klass.name}"`);
    log(`hostile: ${klass.name}`);
    const request = encodeCase(found, host);
    const c1 = await oneAtATime(url, request, config.smoke ? 2 : 5, config.smoke ? 300 : 1_000);
    await untilQuiet(url, host);

    const cpuBefore = cpuMs(pid);
    const started = performance.now();
    const probe = startProbe(url, host);
    const load = await sendFor(url, request, durationMs, connections);
    // Requests cut by the client are still worked on: their cost counts too.
    await untilQuiet(url, host);
    const healthz = await probe.stop();
    const seconds = (performance.now() - started) / 1000;
    const cpuUsed = cpuMs(pid) - cpuBefore - cpuMsPerProbe * healthz.histogram.count;
    classes.push({
      name: klass.name,
      caseName: found.name,
      requests: load.sent,
      errors: load.errors,
      statuses: load.statuses,
      cpuMsPerRequest: round(Math.max(0, cpuUsed) / Math.max(1, load.sent), 2),
      c1MaxMs: round(c1.maxMs, 1),
      c1Requests: c1.count,
      c1Cut: c1.cut,
      healthzP99Ms: round(healthz.histogram.percentile(99), 1),
      healthzMaxMs: round(healthz.histogram.maxMs, 1),
      healthzFailed: healthz.failed,
      seconds: round(seconds, 1),
    });
  }
  return {
    durationS: durationMs / 1000,
    connections,
    ratePerS: RATE_PER_S,
    rest: {
      healthzP99Ms: round(rest.histogram.percentile(99), 2),
      healthzMaxMs: round(rest.histogram.maxMs, 2),
      healthzFailed: rest.failed,
      probes: rest.histogram.count,
      cpuMsPerS: round(cpuMsPerS, 1),
    },
    classes,
  };
}

/** A keep-alive connection that reopens when the server closed it (e.g. after a refusal). */
class Sender {
  #conn?: Http1Connection;
  constructor(readonly url: URL) {}

  async request(bytes: Uint8Array): Promise<number> {
    this.#conn ??= await Http1Connection.open(this.url.hostname, Number(this.url.port));
    try {
      const response = await this.#conn.request(bytes);
      if (/\r\nconnection:\s*close/i.test(response.head)) this.close();
      return response.status;
    } catch (error) {
      this.close();
      throw error;
    }
  }

  close(): void {
    this.#conn?.close();
    this.#conn = undefined;
  }
}

async function oneAtATime(
  url: URL,
  request: Uint8Array,
  count: number,
  withinMs: number,
): Promise<{ maxMs: number; count: number; cut: boolean }> {
  const sender = new Sender(url);
  const started = performance.now();
  let maxMs = 0;
  let sent = 0;
  let cut = false;
  try {
    while (sent < count && (sent === 0 || performance.now() - started < withinMs)) {
      const at = performance.now();
      const timer = setTimeout(() => {
        cut = true;
        sender.close();
      }, ANSWER_TIMEOUT_MS);
      await sender.request(request).catch(() => 0);
      clearTimeout(timer);
      maxMs = Math.max(maxMs, performance.now() - at);
      sent++;
      if (cut) break;
    }
  } finally {
    sender.close();
  }
  return { maxMs, count: sent, cut };
}

/** Polls /healthz until it answers within QUIET_MS (at most 3 minutes). */
async function untilQuiet(url: URL, host: string): Promise<void> {
  const request = encodeRequest("GET", "/healthz", host, {});
  const sender = new Sender(url);
  const started = performance.now();
  try {
    while (performance.now() - started < 180_000) {
      const at = performance.now();
      const status = await sender.request(request).catch(() => 0);
      if (status === 200 && performance.now() - at < QUIET_MS) return;
      await sleep(QUIET_MS);
    }
  } finally {
    sender.close();
  }
}

/** `connections` senders, at most RATE_PER_S together, starting requests for `durationMs`. */
async function sendFor(url: URL, request: Uint8Array, durationMs: number, connections: number) {
  const statuses: Record<string, number> = {};
  let sent = 0;
  let errors = 0;
  const started = performance.now();
  const intervalMs = (1000 * connections) / RATE_PER_S;
  await Promise.all(Array.from({ length: connections }, async (_, index) => {
    const sender = new Sender(url);
    for (let i = 0;; i++) {
      const due = started + (i + index / connections) * intervalMs;
      // Past the duration nothing new starts, however far behind the schedule is.
      if (due - started >= durationMs || performance.now() - started >= durationMs) break;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const timer = setTimeout(() => sender.close(), ANSWER_TIMEOUT_MS);
      sent++;
      try {
        const status = await sender.request(request);
        statuses[status] = (statuses[status] ?? 0) + 1;
      } catch {
        errors++;
      } finally {
        clearTimeout(timer);
      }
    }
    sender.close();
  }));
  return { sent, errors, statuses };
}

/**
 * `/healthz` every PROBE_MS on one connection. Each latency counts from when the
 * probe was due, so a stalled server shows as the whole stall, not one slow answer.
 */
function startProbe(url: URL, host: string) {
  const histogram = new Histogram();
  const request = encodeRequest("GET", "/healthz", host, {});
  let stopped = false;
  let failed = 0;
  const running = (async () => {
    const sender = new Sender(url);
    const started = performance.now();
    try {
      for (let i = 0; !stopped; i++) {
        const due = started + i * PROBE_MS;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
        const status = await sender.request(request).catch(() => 0);
        histogram.record(performance.now() - due);
        // Counted apart; and a refused connection must not spin.
        if (status !== 200) {
          failed++;
          await sleep(PROBE_MS);
        }
      }
    } finally {
      sender.close();
    }
  })();
  return {
    async stop(): Promise<{ histogram: Histogram; failed: number }> {
      stopped = true;
      await running;
      return { histogram, failed };
    },
  };
}

if (import.meta.main) {
  const { parseOptions } = await import("./options.ts");
  const { printTable } = await import("./report.ts");
  const smoke = Deno.args.includes("--smoke");
  const oponn = spawnDeno("main.ts", [], {
    manyFiles: true,
    env: {
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: Deno.env.get("BENCH_DATABASE_URL") ?? "memory://",
      OPONN_ENV: "test",
      OPONN_RATE_LIMIT: "off",
      OPONN_SECRET: BENCH_SECRET,
    },
  });
  try {
    const base = (await oponn.waitFor(/oponn listening on (http:\/\/[\d.]+:\d+)/, 60_000))[1];
    const hostile = await hostilePhase(base, oponn.pid, { smoke });
    const options = parseOptions([
      ...(smoke ? ["--smoke"] : []),
      `--duration=${hostile.durationS}`,
    ]);
    printTable({
      date: new Date().toISOString(),
      machine: machineInfo(),
      options: {
        smoke,
        durationS: hostile.durationS,
        voters: 0,
        viewers: [],
        fanoutRate: 0,
        renderVotes: 0,
      },
      fanout: [],
      failures: [],
      hostile,
    }, options);
    console.log(`HOSTILE_JSON ${JSON.stringify(hostile)}`);
  } finally {
    await oponn.stop();
  }
}
