/**
 * `deno task bench`: measures Oponn against this machine's own limits and
 * prints one table and one `BENCH_JSON {...}` line. See DESIGN.md section 4.
 *
 * Phases (each against processes of their own, over loopback):
 *   http     — a bare Deno.serve answering 204: the HTTP ceiling of the load generator + runtime
 *   fanout   — N live viewers on one ballot of ONE Oponn process, votes at a steady rate:
 *              commit → last viewer latency, resident memory per idle viewer
 *   votes    — 64 voters, all on one option, full POST /vote path: votes/s, p50/p99; taking
 *              turns with it, 3 rounds each, the bare floor (bench/bare_floor.ts: same parse,
 *              token check and headers, no database, no Hono) under the same voters, and
 *              Oponn's ratio to it: the median round's figures, every round's ratio; and in
 *              the same rounds Oponn with a writer that stores nothing
 *              (bench/oponn_unwritten.ts), for what the HTTP path alone allows
 *   pgbench  — the database alone at the same concurrency: naive, insert-only, batched
 *   scaleout — the same vote load split over 2 Oponn processes sharing Postgres and Redis
 *   render   — the results page with 10 votes and with 1,000,000 votes on the ballot
 *   modes    — the vote path on `none`, `browser` and `code` ballots side by side (bench/modes.ts)
 *   kinds    — the vote path on `single`, `approval` and `ranked` ballots side by side (bench/kinds.ts)
 *   runoff   — one live flush of a ranked ballot at 10^3..10^6 ballots (bench/runoff.ts)
 *   hostile  — classes of hostile requests (bench/hostile.ts): server CPU per request,
 *              /healthz p99 while each is sent and at rest (--smoke: 0.5 s per class)
 */
import postgres from "postgres";
import { mergeDeliveries, voteLatencies } from "./fanout.ts";
import { csrfTokenOf, encodeRequest, Http1Connection, setCookies } from "./http1.ts";
import { type BenchOptions, parseOptions } from "./options.ts";
import { createScratchTables, type PgbenchResult, runPgbench, type ScriptName } from "./pgbench.ts";
import {
  type Child,
  cpuMs,
  machineInfo,
  postgresCpuMs,
  postgresCpuSince,
  rssKiB,
  runToResult,
  sleep,
  spawnDeno,
} from "./proc.ts";
import { Histogram, percentileOf, round } from "./stats.ts";
import type { ViewersConfig, ViewersResult } from "./viewers.ts";
import type { VotersConfig, VotersResult } from "./voters.ts";
import { printTable } from "./report.ts";
import { type HostileFigures, hostilePhase } from "./hostile.ts";
import { type ModesFigures, modesPhase } from "./modes.ts";
import { type KindsFigures, kindsPhase } from "./kinds.ts";
import {
  BENCH_SECRET,
  benchOponnEnv,
  OPONN_LISTENING,
  usPer,
  votesPerBatch,
  writerStats,
} from "./rounds.ts";
import { type RunoffFigures, runoffPhase } from "./runoff.ts";

export interface VoteFigures {
  votesPerS: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  votes: number;
  errors: number;
  /** The option's counter in the database equals the number of 2xx answers. */
  counted: boolean;
  /** Oponn's CPU time (user + system, all its processes) per vote answered. */
  serverCpuUsPerVote: number;
  /** PostgreSQL's CPU time (every postgres process) per vote answered. */
  postgresCpuUsPerVote: number;
  /** The load generators' own CPU time per vote answered. */
  votersCpuUsPerVote: number;
}

/** The bare floor (bench/bare_floor.ts) under the votes phase's voters, and Oponn's ratio to it. */
export interface BareFloorFigures {
  votesPerS: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** The floor's CPU time per answered vote. */
  serverCpuUsPerVote: number;
  /** The load generators' own CPU time per answered vote. */
  votersCpuUsPerVote: number;
  /** With commits (bench/floor_commit.ts): PostgreSQL's CPU time per answered vote. */
  postgresCpuUsPerVote?: number;
  /** With commits: its counter equals the votes it answered. */
  counted?: boolean;
  /**
   * The floor answered one identical vote with Oponn's status and headers (Date aside),
   * and both refused the same vote with another token (403).
   */
  sameHeaders: boolean;
  /** Oponn's votes/s over the floor's, same run: the median of `ratioRounds`. */
  ratio?: number;
  /** Each round's ratio, in order (the floor and Oponn take turns, a round each). */
  ratioRounds?: number[];
}

/**
 * A server measured in the votes rounds beside the floor and Oponn, by its
 * ratio to the floor: Oponn whose writer stores nothing
 * (bench/oponn_unwritten.ts), and the floor committing every vote
 * (bench/floor_commit.ts). Figures of the median round by that ratio.
 */
export interface BesideFigures {
  votesPerS: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  serverCpuUsPerVote: number;
  postgresCpuUsPerVote?: number;
  /** Its votes/s over the floor's, same run: the median of `ratioRounds`. */
  ratio: number;
  ratioRounds: number[];
}

export interface FanoutFigures {
  viewers: number;
  opened: number;
  failed: number;
  lost: number;
  viewerProcesses: number;
  votes: number;
  voteErrors: number;
  votesPerS: number;
  /** Vote answer time p99 while the fan-out runs. */
  voteP99Ms: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  undelivered: number;
  rssBeforeKiB: number;
  rssAfterKiB: number;
  kibPerViewer: number;
  openSeconds: number;
  /** Oponn's CPU use while the votes ran (100 = one core). */
  serverCpuPercent: number;
  /** Then `voters` voters as fast as answers come, the viewers still watching every flush. */
  saturated: {
    voters: number;
    votesPerS: number;
    voteP50Ms: number;
    voteP99Ms: number;
    deliveryP50Ms: number;
    deliveryP99Ms: number;
    undelivered: number;
    errors: number;
  };
}

export interface RenderFigures {
  votes: number;
  requests: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  bytes: number;
}

export interface BenchReport {
  date: string;
  machine: {
    cores: number;
    memoryGiB: number;
    loadAverage: string;
    deno: string;
    postgres?: string;
  };
  options: {
    smoke: boolean;
    durationS: number;
    voters: number;
    viewers: number[];
    fanoutRate: number;
    renderVotes: number;
  };
  httpCeiling?: {
    requestsPerS: number;
    p50Ms: number;
    p99Ms: number;
    errors: number;
    serverCpuUsPerRequest: number;
  };
  /** RSS per idle event stream held by a bare Deno.serve (the runtime's floor). */
  sseFloor?: { streams: number; kibPerStream: number };
  votes?: VoteFigures;
  /** The votes phase with a few voters: each vote is nearly alone in its transaction. */
  fewVoters?: VoteFigures & { voters: number };
  bareFloor?: BareFloorFigures;
  /** Oponn with a writer that stores nothing, in the same rounds as the floor and Oponn. */
  unwritten?: BesideFigures;
  /** The floor committing every vote, in the same rounds. */
  committedFloor?: BesideFigures;
  pgbench?: Partial<Record<ScriptName, PgbenchResult>>;
  scaleout?: { oneProcess?: number; twoProcesses: VoteFigures; ratio?: number };
  fanout: FanoutFigures[];
  render?: { small: RenderFigures; large: RenderFigures; ratio: number };
  hostile?: HostileFigures;
  /** The vote path per duplicate check (none / browser / code). */
  modes?: ModesFigures;
  /** The vote path per ballot kind (single / approval / ranked). */
  kinds?: KindsFigures;
  /** One flush of a ranked ballot: the runoff alone, the tally, the snapshot. */
  runoff?: RunoffFigures;
  /** The vote writer during the one-process vote phase. */
  writer?: { batches: number; votes: number; votesPerBatch: number };
  failures: string[];
}

const options = (() => {
  try {
    return parseOptions(Deno.args);
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(2);
  }
})();

const want = (phase: string) => !options.only || options.only.has(phase);
const phaseMs = options.durationS * 1000;
/** Rounds of the floor and Oponn taking turns in the votes phase (1 with --smoke). */
const RATIO_ROUNDS = 3;
/** Voters of the votes phase's light-load run: the latency of a vote that waits on no other. */
const FEW_VOTERS = 4;
const warmupMs = options.warmupS * 1000;
const benchStarted = performance.now();
const log = (message: string) =>
  console.error(`bench ${((performance.now() - benchStarted) / 1000).toFixed(1)}s: ${message}`);
/** Waits for things to settle (RSS, last broadcasts); shorter in smoke mode. */
const settle = (ms: number) => sleep(options.smoke ? ms / 10 : ms);

const report: BenchReport = {
  date: new Date().toISOString(),
  machine: machineInfo(),
  options: {
    smoke: options.smoke,
    durationS: options.durationS,
    voters: options.voters,
    viewers: options.viewers,
    fanoutRate: options.fanoutRate,
    renderVotes: options.renderVotes,
  },
  fanout: [],
  failures: [],
};

/** Fatal: Oponn did not start, or a vote request failed when none should. */
class BenchFailure extends Error {}

const children = new Set<Child>();

async function startOponn(
  dbUrl: string,
  entry = "main.ts",
): Promise<{ child: Child; url: string }> {
  const child = spawnDeno(entry, [], {
    manyFiles: true,
    // e.g. BENCH_OPONN_FLAGS="--cpu-prof --cpu-prof-dir=bench/out" to profile the server.
    flags: Deno.env.get("BENCH_OPONN_FLAGS")?.split(" ").filter(Boolean),
    env: benchOponnEnv(dbUrl, options.redisUrl),
  });
  children.add(child);
  try {
    const match = await child.waitFor(OPONN_LISTENING, 60_000);
    return { child, url: match[1] };
  } catch (error) {
    await child.stop();
    children.delete(child);
    throw new BenchFailure(`Oponn failed to start: ${(error as Error).message}`);
  }
}

async function stopChild(child: Child): Promise<void> {
  await child.stop();
  children.delete(child);
}

/** GET /create for a cookie and token, POST the form, return the new ballot's id. */
async function createBallot(base: string, measure: string, choices: string[]): Promise<string> {
  const url = new URL(base);
  const conn = await Http1Connection.open(url.hostname, Number(url.port));
  try {
    const page = await conn.request(
      encodeRequest("GET", "/create", url.host, { Accept: "text/html" }),
    );
    const cookie = setCookies(page.head).get("oponn_voter");
    const token = csrfTokenOf(new TextDecoder().decode(page.body));
    if (!cookie || !token) throw new BenchFailure(`GET /create: HTTP ${page.status}, no token`);
    const body = new URLSearchParams({
      "X-CSRF-Token": token,
      measure,
      options_raw: choices.join(", "),
      start_time_type: "now",
      duration_mins: "240",
    }).toString();
    const created = await conn.request(encodeRequest("POST", "/create", url.host, {
      Cookie: `oponn_voter=${cookie}`,
      "Content-Type": "application/x-www-form-urlencoded",
    }, body));
    const location = /\r\nlocation:\s*\/vote\/([^\r]+)/i.exec(created.head)?.[1];
    if (created.status !== 303 || !location) {
      throw new BenchFailure(`POST /create: HTTP ${created.status}`);
    }
    return location.trim();
  } finally {
    conn.close();
  }
}

/** The closed-loop vote load, split over `generators` processes. */
async function driveVotes(
  targets: string[],
  path: string,
  setup: boolean,
  voters = options.voters,
): Promise<{ result: VotersResult; histogram: Histogram }> {
  const generators = Math.max(1, Math.min(options.generators, voters));
  const runs = await Promise.all(Array.from({ length: generators }, (_, index) => {
    const connections = Math.floor(voters / generators) + (index < voters % generators ? 1 : 0);
    const config: VotersConfig = {
      targets,
      path,
      option: "yes",
      connections,
      warmupMs,
      durationMs: phaseMs,
      setup,
    };
    return runToResult<VotersResult>("bench/voters.ts", config, warmupMs + phaseMs + 60_000);
  }));
  const histogram = new Histogram();
  const result: VotersResult = {
    cpuMs: 0,
    ok: 0,
    okTotal: 0,
    errors: 0,
    errorSamples: [],
    windowMs: phaseMs,
    latency: histogram.toJSON(),
  };
  for (const run of runs) {
    histogram.merge(run.latency);
    result.ok += run.ok;
    result.okTotal += run.okTotal;
    result.errors += run.errors;
    result.cpuMs += run.cpuMs;
    result.errorSamples.push(...run.errorSamples);
  }
  return { result, histogram };
}

async function voteFigures(
  sql: postgres.Sql,
  ballotId: string,
  targets: string[],
  pids: number[],
  voters = options.voters,
  /** Whether the votes are stored (bench/oponn_unwritten.ts stores none: the counter must not move). */
  stored = true,
): Promise<VoteFigures> {
  const cpuBefore = pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
  const postgresBefore = postgresCpuMs();
  const { result, histogram } = await driveVotes(targets, `/vote/${ballotId}`, true, voters);
  const cpuUsed = pids.reduce((sum, pid) => sum + cpuMs(pid), 0) - cpuBefore;
  const postgresUsed = postgresCpuSince(postgresBefore);
  const [row] = await sql<{ votes: string }[]>`
    select votes::text from ballot_options where ballot_id = ${ballotId} and label = 'yes'`;
  const expected = stored ? result.okTotal : 0;
  const counted = Number(row?.votes ?? 0) === expected;
  if (result.errors > 0) {
    report.failures.push(`vote errors: ${result.errors} (${result.errorSamples.join(" | ")})`);
  }
  if (!counted) {
    report.failures.push(
      `counter ${row?.votes} != ${expected} (${result.okTotal} votes answered 2xx${
        stored ? "" : ", none to be stored"
      })`,
    );
  }
  return {
    votesPerS: round(result.ok / options.durationS, 0),
    p50Ms: round(histogram.percentile(50), 2),
    p99Ms: round(histogram.percentile(99), 2),
    meanMs: round(histogram.meanMs, 2),
    maxMs: round(histogram.maxMs, 2),
    votes: result.ok,
    errors: result.errors,
    counted,
    serverCpuUsPerVote: usPer(cpuUsed, result.okTotal),
    postgresCpuUsPerVote: usPer(postgresUsed, result.okTotal),
    votersCpuUsPerVote: usPer(result.cpuMs, result.okTotal),
  };
}

async function httpCeiling(): Promise<void> {
  log("http: bare Deno.serve answering 204");
  const bare = spawnDeno("bench/bare_server.ts", []);
  children.add(bare);
  try {
    const port = (await bare.waitFor(/^listening (\d+)/, 30_000))[1];
    const cpuBefore = cpuMs(bare.pid);
    const { result, histogram } = await driveVotes([`http://127.0.0.1:${port}`], "/vote/x", false);
    const cpuUsed = cpuMs(bare.pid) - cpuBefore;
    report.httpCeiling = {
      requestsPerS: round(result.ok / options.durationS, 0),
      p50Ms: round(histogram.percentile(50), 2),
      p99Ms: round(histogram.percentile(99), 2),
      errors: result.errors,
      serverCpuUsPerRequest: usPer(cpuUsed, result.okTotal),
    };
    // The runtime's own memory per idle event stream, with the bench's viewers.
    const streams = Math.min(Math.max(...options.viewers), 5_000);
    await settle(500);
    const before = rssKiB(bare.pid);
    const viewers = spawnDeno("bench/viewers.ts", [
      JSON.stringify({ target: `http://127.0.0.1:${port}`, path: "/sse", count: streams }),
    ], { manyFiles: true, stdin: true, echoStderr: true });
    children.add(viewers);
    try {
      const ready = JSON.parse((await viewers.waitFor(/^READY (.*)$/, 120_000))[1]);
      await settle(2_000);
      const after = rssKiB(bare.pid);
      report.sseFloor = {
        streams: ready.opened,
        kibPerStream: round((after - before) / Math.max(1, ready.opened), 1),
      };
    } finally {
      await stopChild(viewers);
    }
  } finally {
    await stopChild(bare);
  }
}

/** One vote's status and headers as sent, Date aside (names lower-cased). */
function answerHeaders(head: string): string[] {
  return head.split("\r\n").map((line, index) => {
    if (index === 0) return line.slice(9, 12);
    const colon = line.indexOf(":");
    return `${line.slice(0, colon).toLowerCase()}:${line.slice(colon + 1).trim()}`;
  }).filter((line) => !line.startsWith("date:"));
}

/** The lower median of `items` by `key` (the middle one of an odd count). */
function lowerMedianBy<T>(items: T[], key: (item: T) => number): T {
  return [...items].sort((x, y) => key(x) - key(y))[Math.floor((items.length - 1) / 2)];
}

/**
 * A server beside the floor, from the median of its rounds by its ratio to the
 * floor; none unless every round measured both.
 */
function besideFigures(
  runs: {
    floor?: BareFloorFigures;
    beside?: Omit<BesideFigures, "ratio" | "ratioRounds">;
  }[],
): BesideFigures | undefined {
  const measured = runs.flatMap(({ floor, beside }) =>
    floor && beside ? [{ beside, ratio: round(beside.votesPerS / floor.votesPerS, 2) }] : []
  );
  if (measured.length === 0 || measured.length !== runs.length) return undefined;
  const median = lowerMedianBy(measured, (run) => run.ratio);
  const { votesPerS, p50Ms, p99Ms, errors, serverCpuUsPerVote, postgresCpuUsPerVote } =
    median.beside;
  return {
    votesPerS,
    p50Ms,
    p99Ms,
    errors,
    serverCpuUsPerVote,
    postgresCpuUsPerVote,
    ratio: median.ratio,
    ratioRounds: measured.map((run) => run.ratio),
  };
}

/** The bare floor, started and checked against Oponn, ready for rounds of votes. */
interface BareFloor {
  sameHeaders: boolean;
  /** One closed-loop round of the votes phase's voters against the floor, on a ballot. */
  measure(ballotId: string): Promise<BareFloorFigures>;
  stop(): Promise<void>;
}

/**
 * The bare floor under the votes phase's voters: first one identical vote (same
 * cookie, token and body) to Oponn and to the floor, whose answers must match
 * header for header; then `measure` gives it the same closed-loop load as Oponn.
 */
async function startBareFloor(
  base: string,
  /** The floor then commits every vote (bench/floor_commit.ts) to this database. */
  store?: { url: string; sql: postgres.Sql },
): Promise<BareFloor> {
  const floor = spawnDeno("bench/bare_floor.ts", [], {
    flags: ["--lock=tests/deno.lock"],
    env: { OPONN_SECRET: BENCH_SECRET, ...store ? { FLOOR_DATABASE_URL: store.url } : {} },
  });
  children.add(floor);
  try {
    const port = Number((await floor.waitFor(/^listening (\d+)/, 30_000))[1]);
    const url = new URL(base);
    const probeId = await createBallot(base, "bare floor probe", ["yes", "no"]);
    // One voter from Oponn's page; its vote, and the same with a token that is not its own.
    const conn = await Http1Connection.open(url.hostname, Number(url.port));
    const page = await conn.request(encodeRequest("GET", `/vote/${probeId}`, url.host, {}))
      .finally(() => conn.close());
    const cookie = [...setCookies(page.head)].map(([name, value]) => `${name}=${value}`);
    const token = csrfTokenOf(new TextDecoder().decode(page.body)) ?? "";
    const voteWith = (sent: string) =>
      encodeRequest("POST", `/vote/${probeId}`, url.host, {
        Origin: url.origin,
        Cookie: cookie.join("; "),
        "X-CSRF-Token": sent,
        "HX-Request": "true",
        "Content-Type": "application/x-www-form-urlencoded",
      }, `X-CSRF-Token=${encodeURIComponent(sent)}&option=yes`);
    const forgedToken = (token[0] === "A" ? "B" : "A") + token.slice(1);
    const answers = await Promise.all([url.port, String(port)].map(async (target) => {
      const conn = await Http1Connection.open(url.hostname, Number(target));
      try {
        const forged = (await conn.request(voteWith(forgedToken))).status;
        return { head: answerHeaders((await conn.request(voteWith(token))).head), forged };
      } finally {
        conn.close();
      }
    }));
    const [oponnHead, floorHead] = answers.map((answer) => answer.head);
    const sameHeaders = oponnHead.join("\n") === floorHead.join("\n") &&
      answers.every((answer) => answer.forged === 403);
    if (!sameHeaders) {
      report.failures.push(
        `bare floor answers unlike Oponn: Oponn [${oponnHead.join(" | ")}], floor [${
          floorHead.join(" | ")
        }]; a forged token: Oponn ${answers[0].forged}, floor ${answers[1].forged}`,
      );
    }
    return {
      sameHeaders,
      async measure(ballotId: string): Promise<BareFloorFigures> {
        const name = store ? "bare floor with commits" : "bare floor";
        log(`votes: ${name}, ${options.voters} voters, ${options.durationS} s`);
        const cpuBefore = cpuMs(floor.pid);
        const postgresBefore = postgresCpuMs();
        const { result, histogram } = await driveVotes(
          [`http://127.0.0.1:${port}`],
          `/vote/${ballotId}`,
          true,
        );
        const cpuUsed = cpuMs(floor.pid) - cpuBefore;
        const postgresUsed = postgresCpuSince(postgresBefore);
        if (result.errors > 0) {
          report.failures.push(`${name} errors: ${result.errors} (${result.errorSamples[0]})`);
        }
        let counted: boolean | undefined;
        if (store) {
          const [row] = await store.sql<{ votes: string }[]>`
            select votes::text from floor_counts
            where ballot_id = ${ballotId} and label = 'yes'`;
          counted = Number(row?.votes ?? 0) === result.okTotal;
          if (!counted) {
            report.failures.push(
              `${name}: counter ${row?.votes} != ${result.okTotal} votes answered 2xx`,
            );
          }
        }
        return {
          postgresCpuUsPerVote: store ? usPer(postgresUsed, result.okTotal) : undefined,
          counted,
          votesPerS: round(result.ok / options.durationS, 0),
          p50Ms: round(histogram.percentile(50), 2),
          p99Ms: round(histogram.percentile(99), 2),
          errors: result.errors,
          serverCpuUsPerVote: usPer(cpuUsed, result.okTotal),
          votersCpuUsPerVote: usPer(result.cpuMs, result.okTotal),
          sameHeaders,
        };
      },
      stop: () => stopChild(floor),
    };
  } catch (error) {
    await stopChild(floor);
    throw error;
  }
}

async function fanout(base: string, pid: number, viewers: number): Promise<FanoutFigures> {
  log(`fanout: ${viewers} viewers, votes at ${options.fanoutRate}/s`);
  const ballotId = await createBallot(base, `fan-out to ${viewers} viewers`, ["yes", "no"]);
  const path = `/ballots/${ballotId}/live-results`;
  await settle(500);
  const rssBeforeKiB = rssKiB(pid);
  const processes = Math.ceil(viewers / options.viewersPerProcess);
  const openStarted = performance.now();
  const clients = Array.from({ length: processes }, (_, index) => {
    const count = Math.floor(viewers / processes) + (index < viewers % processes ? 1 : 0);
    const config: ViewersConfig = { target: base, path, count };
    const child = spawnDeno("bench/viewers.ts", [JSON.stringify(config)], {
      manyFiles: true,
      stdin: true,
      echoStderr: true,
    });
    children.add(child);
    return child;
  });
  try {
    const ready = await Promise.all(
      clients.map(async (child) =>
        JSON.parse((await child.waitFor(/^READY (.*)$/, 180_000))[1]) as {
          opened: number;
          failed: number;
          failures: string[];
        }
      ),
    );
    const openSeconds = (performance.now() - openStarted) / 1000;
    const opened = ready.reduce((sum, part) => sum + part.opened, 0);
    const failed = ready.reduce((sum, part) => sum + part.failed, 0);
    for (const part of ready) {
      if (part.failures.length) report.failures.push(`viewers: ${part.failures.join(" | ")}`);
    }
    await settle(2_000);
    const rssAfterKiB = rssKiB(pid);

    const cpuBefore = cpuMs(pid);
    const votingFrom = performance.now();
    const vote = (connections: number, ratePerS?: number) =>
      runToResult<VotersResult>(
        "bench/voters.ts",
        {
          targets: [base],
          path: `/vote/${ballotId}`,
          option: "yes",
          connections,
          warmupMs: 0,
          durationMs: phaseMs,
          ratePerS,
          setup: true,
          recordTimes: true,
        } satisfies VotersConfig,
        phaseMs + 60_000,
      );
    // Enough connections that the schedule holds even when answers slow down.
    const votes = await vote(Math.max(4, Math.ceil(options.fanoutRate / 2)), options.fanoutRate);
    if (votes.errors > 0) {
      report.failures.push(
        `fan-out vote errors: ${votes.errors} (${votes.errorSamples.join(" | ")})`,
      );
    }
    const serverCpuPercent = round(
      100 * (cpuMs(pid) - cpuBefore) / (performance.now() - votingFrom),
      0,
    );
    // The last votes' update is at most a flush interval and a broadcast away.
    await settle(2_000);
    // The same viewers while voters vote as fast as answers come: does broadcasting stall votes?
    const saturated = await vote(options.voters);
    if (saturated.errors > 0) {
      report.failures.push(
        `fan-out saturated vote errors: ${saturated.errors} (${
          saturated.errorSamples.join(" | ")
        })`,
      );
    }
    await settle(2_000);
    const results = await Promise.all(clients.map(async (child) => {
      await child.write("stop\n");
      return JSON.parse((await child.waitFor(/^RESULT (.*)$/, 60_000))[1]) as ViewersResult;
    }));
    const lost = results.reduce((sum, part) => sum + part.lost, 0);
    const deliveries = mergeDeliveries(results);
    const { latenciesMs, undelivered } = voteLatencies(votes.answeredAt ?? [], deliveries, opened);
    const loaded = voteLatencies(saturated.answeredAt ?? [], deliveries, opened, votes.okTotal);
    return {
      viewers,
      opened,
      failed,
      lost,
      viewerProcesses: processes,
      votes: votes.okTotal,
      voteErrors: votes.errors,
      votesPerS: round(votes.okTotal / options.durationS, 0),
      voteP99Ms: round(Histogram.from(votes.latency).percentile(99), 1),
      p50Ms: round(percentileOf(latenciesMs, 50), 1),
      p99Ms: round(percentileOf(latenciesMs, 99), 1),
      maxMs: round(Math.max(...latenciesMs), 1),
      undelivered,
      rssBeforeKiB,
      rssAfterKiB,
      kibPerViewer: round((rssAfterKiB - rssBeforeKiB) / Math.max(1, opened), 1),
      openSeconds: round(openSeconds, 1),
      serverCpuPercent,
      saturated: {
        voters: options.voters,
        votesPerS: round(saturated.okTotal / options.durationS, 0),
        voteP50Ms: round(Histogram.from(saturated.latency).percentile(50), 1),
        voteP99Ms: round(Histogram.from(saturated.latency).percentile(99), 1),
        deliveryP50Ms: round(percentileOf(loaded.latenciesMs, 50), 1),
        deliveryP99Ms: round(percentileOf(loaded.latenciesMs, 99), 1),
        undelivered: loaded.undelivered,
        errors: saturated.errors,
      },
    };
  } finally {
    await Promise.all(clients.map((child) => stopChild(child)));
    // Let the server notice the closed streams before the next phase.
    await settle(1_000);
  }
}

/** 10 votes through the real path (page for the cookie and token, then POST). */
async function castTen(base: string, ballotId: string): Promise<void> {
  const url = new URL(base);
  const conn = await Http1Connection.open(url.hostname, Number(url.port));
  try {
    const page = await conn.request(encodeRequest("GET", `/vote/${ballotId}`, url.host, {}));
    // Every cookie the page set goes back, whatever the identity scheme names them.
    const cookie = [...setCookies(page.head)].map(([name, value]) => `${name}=${value}`).join("; ");
    const token = csrfTokenOf(new TextDecoder().decode(page.body))!;
    const vote = encodeRequest("POST", `/vote/${ballotId}`, url.host, {
      Cookie: cookie,
      "X-CSRF-Token": token,
      "HX-Request": "true",
      "Content-Type": "application/x-www-form-urlencoded",
    }, "option=yes");
    for (let i = 0; i < 10; i++) {
      const response = await conn.request(vote);
      if (response.status !== 204) throw new BenchFailure(`render vote: HTTP ${response.status}`);
    }
  } finally {
    conn.close();
  }
}

/**
 * Two ballots, one with 10 votes and one with `renderVotes` (10 cast, the rest
 * inserted with SQL into the audit trail and the counter), their results pages
 * requested in turn over one keep-alive connection so both are timed under
 * the same conditions.
 */
async function render(base: string, sql: postgres.Sql): Promise<void> {
  log(`render: results page at 10 and ${options.renderVotes} votes`);
  const smallId = await createBallot(base, "render cost, 10 votes", ["yes", "no", "maybe"]);
  const largeId = await createBallot(base, "render cost, many votes", ["yes", "no", "maybe"]);
  await castTen(base, smallId);
  await castTen(base, largeId);
  const extra = options.renderVotes - 10;
  const inserting = performance.now();
  await sql.begin(async (tx) => {
    await tx`
      insert into votes (ballot_id, option_label, write_in)
      select ${largeId}, 'yes', false from generate_series(1, ${extra})`;
    await tx`
      update ballot_options set votes = votes + ${extra}
      where ballot_id = ${largeId} and label = 'yes'`;
  });
  await sql`analyze votes`;
  log(`render: inserted ${extra} votes in ${Math.round(performance.now() - inserting)} ms`);

  const url = new URL(base);
  const conn = await Http1Connection.open(url.hostname, Number(url.port));
  const cases = [
    { id: smallId, votes: 10, times: [] as number[], bytes: 0 },
    { id: largeId, votes: options.renderVotes, times: [] as number[], bytes: 0 },
  ].map((entry) => ({
    ...entry,
    request: encodeRequest("GET", `/results/${entry.id}`, url.host, {
      Accept: "text/html",
      Cookie: `oponn_csrf_token=${"a".repeat(43)}`,
    }),
  }));
  const warmUp = 50;
  try {
    for (let i = 0; i < warmUp + options.renderRequests; i++) {
      for (const entry of i % 2 === 0 ? cases : [...cases].reverse()) {
        const started = performance.now();
        const response = await conn.request(entry.request);
        const elapsed = performance.now() - started;
        if (response.status !== 200) {
          throw new BenchFailure(`results page: HTTP ${response.status}`);
        }
        if (!new TextDecoder().decode(response.body).includes(`data-count="${entry.votes}"`)) {
          throw new BenchFailure(`results page does not show ${entry.votes} votes`);
        }
        entry.bytes = response.body.length;
        if (i >= warmUp) entry.times.push(elapsed);
      }
    }
  } finally {
    conn.close();
  }
  const [small, large] = cases.map(({ votes, times, bytes }): RenderFigures => ({
    votes,
    requests: times.length,
    meanMs: round(times.reduce((sum, time) => sum + time, 0) / times.length, 3),
    p50Ms: round(percentileOf(times, 50), 3),
    p99Ms: round(percentileOf(times, 99), 3),
    bytes,
  }));
  report.render = { small, large, ratio: round(large.meanMs / small.meanMs, 3) };
}

async function pgbench(dbUrl: string, sql: postgres.Sql): Promise<void> {
  await createScratchTables(sql);
  report.pgbench = {};
  for (const name of ["naive", "insert", "batched"] as const) {
    log(`pgbench: ${name}, ${options.voters} clients, ${options.durationS} s`);
    report.pgbench[name] = await runPgbench(dbUrl, name, options.voters, options.durationS);
  }
}

/** Runs one phase; a failure is recorded and the bench goes on, unless it is fatal. */
async function phase(name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (error instanceof BenchFailure) throw error;
    report.failures.push(`${name}: ${(error as Error).message}`);
    log(`${name} failed: ${(error as Error).stack ?? error}`);
  }
}

async function run(): Promise<void> {
  const needsOponn = [
    "fanout",
    "votes",
    "scaleout",
    "render",
    "pgbench",
    "hostile",
    "modes",
    "kinds",
    "runoff",
  ].some(want);
  if (!needsOponn) {
    if (want("http")) await phase("http", httpCeiling);
    return;
  }

  const dbName = `oponn_bench_${Date.now().toString(36)}_${Deno.pid}`;
  const admin = postgres(options.adminUrl, { max: 1, onnotice: () => {} });
  const dbUrlObject = new URL(options.adminUrl);
  dbUrlObject.pathname = `/${dbName}`;
  const dbUrl = dbUrlObject.href;
  const [{ version }] = await admin<{ version: string }[]>`select version()`;
  report.machine.postgres = version.split(" on ")[0];
  await admin.unsafe(`create database ${dbName}`);
  log(`database ${dbName} created`);
  let sql: postgres.Sql | undefined;
  try {
    // Both Oponn processes start while the HTTP ceiling is measured (their start-up
    // falls in its warm-up); B idles until the scale-out phase.
    const startingA = startOponn(dbUrl);
    const startingB = want("scaleout") ? startOponn(dbUrl) : undefined;
    startingA.catch(() => {});
    startingB?.catch(() => {});
    if (want("http")) await phase("http", httpCeiling);
    const a = await startingA;
    log(`oponn A at ${a.url} (pid ${a.child.pid})`);
    sql = postgres(dbUrl, { max: 2, onnotice: () => {} });
    // Warm the routes once.
    const warm = await createBallot(a.url, "warm-up", ["yes", "no"]);
    await (await fetch(`${a.url}/results/${warm}`)).text();

    const db = sql;
    if (want("fanout")) {
      // Each size on a process of its own that has held no viewers before, so the
      // memory per viewer is not flattered by memory the last size freed.
      for (const [index, viewers] of options.viewers.entries()) {
        await phase(`fanout ${viewers}`, async () => {
          const server = index === 0 ? a : await startOponn(dbUrl);
          try {
            report.fanout.push(await fanout(server.url, server.child.pid, viewers));
          } finally {
            if (server !== a) await stopChild(server.child);
          }
        });
      }
    }
    if (want("votes")) {
      // The floor and Oponn take turns, a fresh ballot each round: on a shared
      // machine either one's votes/s drifts between runs, so the ratio printed is
      // the median round's, with every round's beside it.
      const rounds = options.smoke ? 1 : RATIO_ROUNDS;
      let floor: BareFloor | undefined;
      await phase("bare floor", async () => {
        floor = await startBareFloor(a.url);
      });
      let unwritten: { child: Child; url: string } | undefined;
      await phase("oponn unwritten", async () => {
        unwritten = await startOponn(dbUrl, "bench/oponn_unwritten.ts");
      });
      let committing: BareFloor | undefined;
      await phase("bare floor with commits", async () => {
        committing = await startBareFloor(a.url, { url: dbUrl, sql: sql! });
      });
      const runs: {
        floor?: BareFloorFigures;
        unwritten?: VoteFigures;
        committed?: BareFloorFigures;
        votes: VoteFigures;
        writer?: BenchReport["writer"];
        ratio?: number;
      }[] = [];
      try {
        for (let turn = 0; turn < rounds; turn++) {
          log(
            `votes: ${options.voters} voters on one option, ${options.durationS} s, one process` +
              ` (round ${turn + 1} of ${rounds})`,
          );
          const ballotId = await createBallot(a.url, "one hot option", ["yes", "no"]);
          let floorRun: BareFloorFigures | undefined;
          await phase("bare floor", async () => {
            floorRun = await floor?.measure(ballotId);
          });
          let unwrittenRun: VoteFigures | undefined;
          await phase("oponn unwritten", async () => {
            if (!unwritten) return;
            log(`votes: oponn with votes unwritten, ${options.voters} voters`);
            const { url, child } = unwritten;
            unwrittenRun = await voteFigures(sql!, ballotId, [url], [child.pid], undefined, false);
          });
          let committedRun: BareFloorFigures | undefined;
          await phase("bare floor with commits", async () => {
            committedRun = await committing?.measure(ballotId);
          });
          const before = await writerStats(a.url);
          const votes = await voteFigures(sql, ballotId, [a.url], [a.child.pid]);
          const after = await writerStats(a.url);
          const writer = before && after
            ? {
              batches: after.batches - before.batches,
              votes: after.votes - before.votes,
              votesPerBatch: votesPerBatch(
                after.batches - before.batches,
                after.votes - before.votes,
              ),
            }
            : undefined;
          const ratio = floorRun ? round(votes.votesPerS / floorRun.votesPerS, 2) : undefined;
          runs.push({
            floor: floorRun,
            unwritten: unwrittenRun,
            committed: committedRun,
            votes,
            writer,
            ratio,
          });
        }
      } finally {
        await floor?.stop();
        await committing?.stop();
        if (unwritten) await stopChild(unwritten.child);
      }
      const median = lowerMedianBy(runs, (run) => run.ratio ?? 0);
      report.votes = median.votes;
      report.writer = median.writer;
      if (median.floor) {
        report.bareFloor = {
          ...median.floor,
          ratio: median.ratio,
          ratioRounds: runs.map((run) => run.ratio ?? 0),
        };
        report.unwritten = besideFigures(
          runs.map(({ floor, unwritten }) => ({ floor, beside: unwritten })),
        );
        report.committedFloor = besideFigures(
          runs.map(({ floor, committed }) => ({ floor, beside: committed })),
        );
      }
      log(`votes: ${FEW_VOTERS} voters on one option, ${options.durationS} s, one process`);
      const fewId = await createBallot(a.url, "a few voters", ["yes", "no"]);
      report.fewVoters = {
        voters: FEW_VOTERS,
        ...await voteFigures(sql, fewId, [a.url], [a.child.pid], FEW_VOTERS),
      };
    }
    if (want("pgbench")) await phase("pgbench", () => pgbench(dbUrl, db));
    if (startingB) {
      const b = await startingB;
      log(`scaleout: oponn B at ${b.url}; ${options.voters} voters split over A and B`);
      try {
        const ballotId = await createBallot(a.url, "two processes", ["yes", "no"]);
        const two = await voteFigures(sql, ballotId, [a.url, b.url], [a.child.pid, b.child.pid]);
        const one = report.votes?.votesPerS;
        report.scaleout = {
          oneProcess: one,
          twoProcesses: two,
          ratio: one ? round(two.votesPerS / one, 2) : undefined,
        };
      } finally {
        await stopChild(b.child);
      }
    }
    // What the side-by-side phases (modes, kinds) run with.
    const rounds = {
      voters: options.voters,
      generators: options.generators,
      warmupMs,
      durationMs: phaseMs,
      smoke: options.smoke,
      log,
      fail: (message: string) => report.failures.push(message),
    };
    if (want("modes")) {
      await phase("modes", async () => {
        report.modes = await modesPhase(a.url, a.child.pid, db, rounds);
      });
    }
    if (want("kinds")) {
      await phase("kinds", async () => {
        report.kinds = await kindsPhase(a.url, a.child.pid, db, rounds);
      });
    }
    if (want("runoff")) {
      await phase("runoff", async () => {
        report.runoff = await runoffPhase(a.url, dbUrl, {
          smoke: options.smoke,
          log,
          fail: (message) => report.failures.push(message),
        });
      });
    }
    if (want("render")) await phase("render", () => render(a.url, db));
    // Last: its classes may leave the process busy for seconds on code that is not yet linear.
    if (want("hostile")) {
      await phase("hostile", async () => {
        report.hostile = await hostilePhase(a.url, a.child.pid, { smoke: options.smoke, log });
      });
    }
    const stderr = a.child.output().stderr.trim();
    await stopChild(a.child);
    if (stderr) log(`oponn A stderr (tail):\n${stderr.slice(-2000)}`);
  } finally {
    await sql?.end({ timeout: 2 });
    for (const child of children) await child.stop();
    await admin.unsafe(`drop database if exists ${dbName} with (force)`).catch((error) =>
      log(`could not drop ${dbName}: ${error.message}`)
    );
    await admin.end({ timeout: 2 });
    log(`database ${dbName} dropped`);
  }
}

let exitCode = 0;
try {
  await run();
} catch (error) {
  exitCode = 1;
  report.failures.push((error as Error).message);
  console.error(`bench: ${(error as Error).stack ?? error}`);
}
printTable(report, options satisfies BenchOptions);
console.log(`BENCH_JSON ${JSON.stringify(report)}`);
if (report.failures.some((failure) => /vote errors|counter|Oponn failed/.test(failure))) {
  exitCode = 1;
}
Deno.exit(exitCode);
