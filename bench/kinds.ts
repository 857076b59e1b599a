/**
 * The `kinds` phase: the vote path of `single`, `approval` and `ranked`
 * ballots side by side, on one Oponn process, `voters` closed-loop voters,
 * each a browser of its own (its signed cookie and CSRF token minted with the
 * server's secret, the values a GET of the vote page would set) posting the vote form as htmx does, again and again (duplicate_check
 * none). The measured time is split into rounds that take the kinds in turn,
 * in a rotated order, as bench/modes.ts does.
 *
 * Every ballot has the same 10 options. The votes are drawn before the clock
 * starts from a seeded generator (the same every run), with options weighted
 * 1/(i+1)^0.8 so that some are more popular than others:
 * - `single`: one option, drawn by weight;
 * - `approval`: a random subset (option i in it with probability 2.1 times its
 *   share of the weights, about 2 options a vote; at least one);
 * - `ranked`: a random partial order: a length from 1 to 10 (uniform), then
 *   that many options drawn by weight without replacement (Plackett-Luce), so
 *   short rankings repeat and long ones are mostly new: distinct rankings keep
 *   growing as they would with real voters.
 *
 * After each run, what the server acknowledged (204) is compared with what
 * the database holds: the ballot's turnout and its audit rows, and the
 * counters: `single` the sum of its option counters, `approval` the voters
 * (turnout; its option counters add up to the choices), `ranked` the sum of
 * its ballot_rankings counters.
 */
import type postgres from "postgres";
import { VoterIdentity } from "../lib/identity/voter.ts";
import { BENCH_SECRET } from "./modes.ts";
import { cpuMs, runToResult } from "./proc.ts";
import { Histogram, round } from "./stats.ts";
import type { VotersConfig, VotersResult } from "./voters.ts";

export const KINDS = ["single", "approval", "ranked"] as const;
export type Kind = typeof KINDS[number];

/** The 10 options every ballot of the phase has. */
export const OPTIONS = [
  "alpha",
  "bravo",
  "charlie",
  "delta",
  "echo",
  "foxtrot",
  "golf",
  "hotel",
  "india",
  "juliett",
];

const ROUNDS = 5;
const LATER_WARMUP_MS = 500;
/** Distinct vote bodies drawn per kind (the voters go round them). */
const POOL = { smoke: 5_000, full: 100_000 };

export interface KindFigures {
  kind: Kind;
  votesPerS: number;
  /** votesPerS / single's. */
  ratio?: number;
  rounds: number[];
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  /** Votes answered 204, warm-ups included. */
  acknowledged: number;
  /** single: sum of option counters; approval: voters (turnout); ranked: sum of ranking counters. */
  counted: number;
  turnout: number;
  /** Audit rows of the ballot (one per vote). */
  auditRows: number;
  /** approval: the option counters' sum (choices made). */
  choices?: number;
  /** ranked: rows in ballot_rankings. */
  distinctRankings?: number;
  /** counted = turnout = audit rows = acknowledged, after every run. */
  exact: boolean;
  errors: number;
  windowS: number;
  serverCpuUsPerVote: number;
  votesPerBatch?: number;
}

export interface KindsFigures {
  voters: number;
  options: number;
  rounds: number;
  /** Measured seconds per kind (all rounds). */
  durationS: number;
  kinds: KindFigures[];
}

export interface KindsOptions {
  voters: number;
  generators: number;
  warmupMs: number;
  durationMs: number;
  smoke: boolean;
  log(message: string): void;
  fail(message: string): void;
}

interface KindState {
  kind: Kind;
  ballotId: string;
  /** One file of form bodies per generator. */
  files: string[];
  histogram: Histogram;
  rounds: number[];
  ok: number;
  windowMs: number;
  acknowledged: number;
  errors: number;
  cpuMs: number;
  batches?: { batches: number; votes: number };
  exact: boolean;
  stored?: StoredCounts;
}

export async function kindsPhase(
  base: string,
  pid: number,
  sql: postgres.Sql,
  options: KindsOptions,
): Promise<KindsFigures> {
  const rounds = options.smoke ? 1 : ROUNDS;
  const durationMs = options.smoke ? Math.min(options.durationMs, 500) : options.durationMs;
  const runMs = durationMs / rounds;
  const generators = Math.max(1, Math.min(options.generators, options.voters));
  const owner = benchBrowser();
  const states = new Map<Kind, KindState>();
  try {
    for (const kind of KINDS) {
      const ballotId = await createBallot(base, owner, kind);
      const bodies = drawBodies(kind, options.smoke ? POOL.smoke : POOL.full, seedOf(kind));
      const files: string[] = [];
      for (let index = 0; index < generators; index++) {
        const file = await Deno.makeTempFile({ prefix: `oponn-bench-${kind}-` });
        files.push(file);
        const mine = bodies.filter((_, at) => at % generators === index);
        await Deno.writeTextFile(file, mine.join("\n") + "\n");
      }
      states.set(kind, {
        kind,
        ballotId,
        files,
        histogram: new Histogram(),
        rounds: [],
        ok: 0,
        windowMs: 0,
        acknowledged: 0,
        errors: 0,
        cpuMs: 0,
        exact: true,
      });
    }
    for (let round = 0; round < rounds; round++) {
      const order = KINDS.map((_, index) => KINDS[(index + round) % KINDS.length]);
      for (const kind of order) {
        const state = states.get(kind)!;
        const warmupMs = state.rounds.length === 0
          ? (options.smoke ? Math.min(options.warmupMs, 100) : options.warmupMs)
          : Math.min(options.warmupMs, LATER_WARMUP_MS);
        await runKind(state, base, pid, sql, generators, {
          ...options,
          warmupMs,
          durationMs: runMs,
        });
      }
    }
  } finally {
    for (const state of states.values()) {
      for (const file of state.files) await Deno.remove(file).catch(() => {});
    }
  }
  const singleRate = ratePerS(states.get("single")!);
  return {
    voters: options.voters,
    options: OPTIONS.length,
    rounds,
    durationS: durationMs / 1000,
    kinds: KINDS.map((kind) => figuresOf(states.get(kind)!, singleRate)),
  };
}

function ratePerS(state: KindState): number {
  return state.ok / Math.max(1, state.windowMs) * 1000;
}

function figuresOf(state: KindState, singleRate: number): KindFigures {
  const votesPerS = ratePerS(state);
  const { histogram, stored, kind } = state;
  return {
    kind,
    votesPerS: round(votesPerS, 0),
    ratio: kind === "single" ? undefined : round(votesPerS / singleRate, 2),
    rounds: state.rounds,
    p50Ms: round(histogram.percentile(50), 2),
    p99Ms: round(histogram.percentile(99), 2),
    meanMs: round(histogram.meanMs, 2),
    maxMs: round(histogram.maxMs, 2),
    acknowledged: state.acknowledged,
    counted: stored ? countedOf(kind, stored) : NaN,
    turnout: stored?.turnout ?? NaN,
    auditRows: stored?.auditRows ?? NaN,
    choices: kind === "approval" ? stored?.optionVotes : undefined,
    distinctRankings: kind === "ranked" ? stored?.rankings : undefined,
    exact: state.exact,
    errors: state.errors,
    windowS: round(state.windowMs / 1000, 2),
    serverCpuUsPerVote: round(1000 * state.cpuMs / Math.max(1, state.acknowledged), 1),
    votesPerBatch: state.batches
      ? round(state.batches.votes / Math.max(1, state.batches.batches), 1)
      : undefined,
  };
}

function countedOf(kind: Kind, stored: StoredCounts): number {
  return kind === "single"
    ? stored.optionVotes
    : kind === "ranked"
    ? stored.rankingVotes
    : stored.turnout;
}

async function runKind(
  state: KindState,
  base: string,
  pid: number,
  sql: postgres.Sql,
  generators: number,
  options: KindsOptions,
): Promise<void> {
  const { kind, ballotId } = state;
  options.log(
    `kinds: ${kind}, ${options.voters} voters, ` +
      `${options.warmupMs / 1000} + ${(options.durationMs / 1000).toFixed(2)} s`,
  );
  const configs = state.files.map((file, index): VotersConfig => ({
    targets: [base],
    path: `/vote/${ballotId}`,
    option: "",
    connections: Math.floor(options.voters / generators) +
      (index < options.voters % generators ? 1 : 0),
    warmupMs: options.warmupMs,
    durationMs: options.durationMs,
    setup: false,
    okStatuses: [204],
    // Each voter its own browser: the cookie and token a GET of the vote page would set
    // (as bench/modes.ts does), so that no page render falls in the measured CPU time.
    mint: { secret: BENCH_SECRET },
    bodiesFile: file,
  }));
  const cpuBefore = cpuMs(pid);
  const writerBefore = await writerStats(base);
  const runs = await Promise.all(
    configs.map((config) =>
      runToResult<VotersResult>(
        "bench/voters.ts",
        config,
        options.warmupMs + options.durationMs + 120_000,
      )
    ),
  );
  state.cpuMs += cpuMs(pid) - cpuBefore;
  const writerAfter = await writerStats(base);
  if (writerBefore && writerAfter) {
    state.batches = {
      batches: (state.batches?.batches ?? 0) + writerAfter.batches - writerBefore.batches,
      votes: (state.batches?.votes ?? 0) + writerAfter.votes - writerBefore.votes,
    };
  }
  let ok = 0;
  let perS = 0;
  for (const run of runs) {
    state.histogram.merge(run.latency);
    state.acknowledged += run.okTotal;
    state.errors += run.errors;
    ok += run.ok;
    perS += run.ok / Math.max(1, run.windowMs) * 1000;
  }
  const windowMs = perS > 0 ? ok / perS * 1000 : options.durationMs;
  state.ok += ok;
  state.windowMs += windowMs;
  state.rounds.push(round(perS, 0));
  const errors = runs.reduce((sum, run) => sum + run.errors, 0);
  if (errors > 0) {
    const samples = [...new Set(runs.flatMap((run) => run.errorSamples))].slice(0, 3);
    options.fail(
      `kinds ${kind}, round ${state.rounds.length}: vote errors: ${errors} (${
        samples.join(" | ")
      })`,
    );
  }
  // Every answer is in, so every acknowledged vote has committed: the database must agree.
  const stored = state.stored = await storedCounts(sql, ballotId);
  const counted = countedOf(kind, stored);
  const exact = counted === state.acknowledged && stored.turnout === state.acknowledged &&
    stored.auditRows === state.acknowledged;
  if (!exact) {
    state.exact = false;
    options.fail(
      `kinds ${kind}, round ${state.rounds.length}: counter ${counted}, turnout ${stored.turnout}, ` +
        `audit rows ${stored.auditRows} != ${state.acknowledged} votes acknowledged`,
    );
  }
}

/** Seeded generator (mulberry32): the same votes every run. */
export function randomFrom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(kind: Kind): number {
  return 1 + KINDS.indexOf(kind);
}

/** Popularity of option i: 1/(i+1)^0.8. */
export const WEIGHTS = OPTIONS.map((_, i) => 1 / (i + 1) ** 0.8);

/** `length` options drawn by weight without replacement (indices into OPTIONS). */
export function drawRanking(random: () => number, length: number): number[] {
  const left = OPTIONS.map((_, i) => i);
  const chosen: number[] = [];
  while (chosen.length < length) {
    const total = left.reduce((sum, i) => sum + WEIGHTS[i], 0);
    let at = random() * total;
    let pick = left.length - 1;
    for (let j = 0; j < left.length; j++) {
      at -= WEIGHTS[left[j]];
      if (at < 0) {
        pick = j;
        break;
      }
    }
    chosen.push(left[pick]);
    left.splice(pick, 1);
  }
  return chosen;
}

/** `count` vote form bodies of one kind (without the CSRF token). */
function drawBodies(kind: Kind, count: number, seed: number): string[] {
  const random = randomFrom(seed);
  const share = WEIGHTS.map((weight) => weight / WEIGHTS.reduce((sum, w) => sum + w, 0));
  return Array.from({ length: count }, () => {
    if (kind === "single") return `option=${OPTIONS[drawRanking(random, 1)[0]]}`;
    if (kind === "approval") {
      const chosen = OPTIONS.filter((_, i) => random() < Math.min(0.9, 2.1 * share[i]));
      if (chosen.length === 0) chosen.push(OPTIONS[drawRanking(random, 1)[0]]);
      return chosen.map((label) => `option=${label}`).join("&");
    }
    const ranking = drawRanking(random, 1 + Math.floor(random() * OPTIONS.length));
    return ranking.map((i) => `ranking=${OPTIONS[i]}`).join("&");
  });
}

export interface Browser {
  cookie: string;
  token: string;
}

export function benchBrowser(): Browser {
  const identity = new VoterIdentity(BENCH_SECRET);
  const { voterId, cookie } = identity.mint();
  return { cookie: `oponn_voter=${cookie}`, token: identity.csrfToken(voterId) };
}

/** POST /create as `owner`: a ballot of `kind` over OPTIONS, open now, every vote counted. */
export async function createKindBallot(
  base: string,
  owner: Browser,
  kind: Kind,
  measure: string,
): Promise<string> {
  const response = await fetch(`${base}/create`, {
    method: "POST",
    redirect: "manual",
    headers: {
      Cookie: owner.cookie,
      "X-CSRF-Token": owner.token,
      "Content-Type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({
      measure,
      options_raw: OPTIONS.join(", "),
      kind,
      start_time_type: "now",
      duration_mins: "240",
      duplicate_check: "none",
      listing: "unlisted",
    }),
  });
  await response.body?.cancel();
  const id = /^\/vote\/(.+)$/.exec(response.headers.get("location") ?? "")?.[1];
  if (response.status !== 303 || !id) {
    throw new Error(`kinds: POST /create (${kind}): HTTP ${response.status}`);
  }
  return id;
}

function createBallot(base: string, owner: Browser, kind: Kind): Promise<string> {
  return createKindBallot(base, owner, kind, `kind=${kind}, 10 options`);
}

interface StoredCounts {
  optionVotes: number;
  rankingVotes: number;
  rankings: number;
  turnout: number;
  auditRows: number;
}

async function storedCounts(sql: postgres.Sql, ballotId: string): Promise<StoredCounts> {
  const [row] = await sql<StoredCounts[]>`
    select
      (select coalesce(sum(votes), 0) from ballot_options o where o.ballot_id = b.id)::int
        as "optionVotes",
      (select coalesce(sum(votes), 0) from ballot_rankings r where r.ballot_id = b.id)::int
        as "rankingVotes",
      (select count(*) from ballot_rankings r where r.ballot_id = b.id)::int as rankings,
      b.turnout::int as turnout,
      (select count(*) from votes v where v.ballot_id = b.id)::int as "auditRows"
    from ballots b where b.id = ${ballotId}`;
  if (!row) throw new Error(`kinds: ballot ${ballotId} is not in the database`);
  return row;
}

async function writerStats(base: string): Promise<{ batches: number; votes: number } | undefined> {
  try {
    const text = await (await fetch(`${base}/metrics`)).text();
    const batches = /^oponn_vote_batches (\d+)/m.exec(text);
    const votes = /^oponn_votes_written (\d+)/m.exec(text);
    if (!batches || !votes) return undefined;
    return { batches: Number(batches[1]), votes: Number(votes[1]) };
  } catch {
    return undefined;
  }
}
