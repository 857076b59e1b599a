/**
 * Interleaved rounds of several variants of the vote path against one Oponn
 * process (bench/modes.ts: duplicate checks; bench/kinds.ts: ballot kinds).
 *
 * Each variant has a ballot of its own. The measured time is split into
 * rounds that take the variants in turn, in a rotated order, so that whatever
 * else the machine does then weighs on all of them alike. A run of one variant
 * spreads its voters over `generators` bench/voters.ts processes and adds to
 * the variant's figures: votes/s (of each round and overall), latency
 * (p50/p99/mean/max), server CPU per acknowledged vote, and votes per write
 * transaction (from /metrics). After each run the caller reads back what the
 * database holds and checks it against the votes acknowledged (checkCounts).
 *
 * What differs between the phases (how ballots are made, what each voter
 * sends, what "counted" means) stays in their own files.
 */
import { VoterIdentity } from "../lib/identity/voter.ts";
import { cpuMs, runToResult } from "./proc.ts";
import { Histogram, round } from "./stats.ts";
import type { VotersConfig, VotersResult } from "./voters.ts";

/** The OPONN_SECRET startOponn (bench/main.ts) gives Oponn; a mismatch shows as a 403 on create. */
export const BENCH_SECRET = "oponn-bench-secret-0123456789abcdef";

/** How the bench runs an Oponn process (`deno run -A main.ts`): its environment. */
export function benchOponnEnv(databaseUrl: string, redisUrl: string): Record<string, string> {
  return {
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    OPONN_ENV: "test",
    OPONN_SECRET: BENCH_SECRET,
    OPONN_RATE_LIMIT: "off",
    OPONN_SKIP_CSRF: "",
  };
}

/** The line an Oponn process prints once it listens, with its base URL. */
export const OPONN_LISTENING = /oponn listening on (http:\/\/[\d.]+:\d+)/;

/** Rounds of a full run (--smoke: one). */
const ROUNDS = 5;
/** Warm-up of every run after a variant's first (the pipeline refills; the JIT is warm). */
const LATER_WARMUP_MS = 500;

export interface RoundsOptions {
  voters: number;
  generators: number;
  warmupMs: number;
  durationMs: number;
  smoke: boolean;
  log(message: string): void;
  /** Records a failure in the report (vote errors, or a count that is not exact). */
  fail(message: string): void;
}

/** One variant's ballot and what its runs added up to so far. */
export interface RoundState<V extends string> {
  variant: V;
  ballotId: string;
  histogram: Histogram;
  /** votes/s of each round, in order. */
  rounds: number[];
  /** Votes answered inside the measured windows, and the length of those windows. */
  ok: number;
  windowMs: number;
  /** Votes answered 204, warm-ups included. */
  acknowledged: number;
  errors: number;
  /** Votes prepared by the generators (new browsers or codes), and whether they ran out. */
  prepared: number;
  exhausted: boolean;
  cpuMs: number;
  batches?: { batches: number; votes: number };
  exact: boolean;
}

/** The figures every variant reports, in the order they appear in the report's JSON. */
export interface RoundFigures {
  /** Votes answered inside the measured windows, per second of those windows. */
  votesPerS: number;
  /** votesPerS / the first variant's. */
  ratio?: number;
  /** votes/s of each round, in order. */
  rounds: number[];
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  /** Votes answered 204 (acknowledged), warm-ups included. */
  acknowledged: number;
}

export interface RoundChecks {
  /** Every count read back equals the votes acknowledged, checked after every run. */
  exact: boolean;
  errors: number;
  /** Seconds measured (shorter than planned when prepared votes ran out). */
  windowS: number;
}

export interface RoundCosts {
  serverCpuUsPerVote: number;
  votesPerBatch?: number;
}

export function newRoundState<V extends string>(variant: V, ballotId: string): RoundState<V> {
  return {
    variant,
    ballotId,
    histogram: new Histogram(),
    rounds: [],
    ok: 0,
    windowMs: 0,
    acknowledged: 0,
    errors: 0,
    prepared: 0,
    exhausted: false,
    cpuMs: 0,
    exact: true,
  };
}

/** How many rounds, and the measured time of all of them per variant. */
export function roundsPlan(options: RoundsOptions): { rounds: number; durationMs: number } {
  return {
    rounds: options.smoke ? 1 : ROUNDS,
    durationMs: options.smoke ? Math.min(options.durationMs, 500) : options.durationMs,
  };
}

/**
 * Runs `rounds` rounds, each taking every variant once, rotated: a, b, c; then
 * b, c, a; then c, a, b; … `run` gets the options of that one run (its warm-up
 * and its share of the measured time).
 */
export async function interleave<V extends string, S extends RoundState<V>>(
  variants: readonly V[],
  states: Map<V, S>,
  options: RoundsOptions,
  run: (state: S, options: RoundsOptions) => Promise<void>,
): Promise<void> {
  const { rounds, durationMs } = roundsPlan(options);
  for (let round = 0; round < rounds; round++) {
    const order = variants.map((_, index) => variants[(index + round) % variants.length]);
    for (const variant of order) {
      const state = states.get(variant)!;
      const warmupMs = state.rounds.length === 0
        ? (options.smoke ? Math.min(options.warmupMs, 100) : options.warmupMs)
        : Math.min(options.warmupMs, LATER_WARMUP_MS);
      await run(state, { ...options, warmupMs, durationMs: durationMs / rounds });
    }
  }
}

/** The voter processes a run spreads its voters over. */
export function generatorsOf(options: RoundsOptions): number {
  return Math.max(1, Math.min(options.generators, options.voters));
}

/** Generator `index`'s share of `total` (the first ones take the remainder). */
export function shareOf(total: number, generators: number, index: number): number {
  return Math.floor(total / generators) + (index < total % generators ? 1 : 0);
}

/** A bench/voters.ts config for generator `index`: closed-loop voters on the ballot, 204 = ok. */
export function voterConfig(
  base: string,
  ballotId: string,
  index: number,
  options: RoundsOptions,
  config: Pick<VotersConfig, "option" | "mint"> & Partial<VotersConfig>,
): VotersConfig {
  return {
    targets: [base],
    path: `/vote/${ballotId}`,
    connections: shareOf(options.voters, generatorsOf(options), index),
    warmupMs: options.warmupMs,
    durationMs: options.durationMs,
    setup: false,
    okStatuses: [204],
    ...config,
  };
}

/**
 * One run of one variant: the generators in parallel, then their figures added
 * to `state` (and vote errors reported as a failure). Returns the generators'
 * results, in the order of `configs`.
 */
export async function measureRun<V extends string>(
  phase: string,
  state: RoundState<V>,
  base: string,
  pid: number,
  configs: VotersConfig[],
  options: RoundsOptions,
): Promise<VotersResult[]> {
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
    state.prepared += run.prepared?.made ?? 0;
    state.exhausted ||= run.exhausted ?? false;
    ok += run.ok;
    perS += run.ok / Math.max(1, run.windowMs) * 1000;
  }
  // Generators share the window unless one ran out early: its own window counts for it
  // (none at all when its prepared votes were spent in the warm-up).
  const windowMs = perS > 0 ? ok / perS * 1000 : Math.max(...runs.map((run) => run.windowMs));
  state.ok += ok;
  state.windowMs += windowMs;
  state.rounds.push(windowMs > 0 ? round(perS, 0) : NaN);
  const errors = runs.reduce((sum, run) => sum + run.errors, 0);
  if (errors > 0) {
    const samples = [...new Set(runs.flatMap((run) => run.errorSamples))].slice(0, 3);
    options.fail(
      `${phase} ${state.variant}, round ${state.rounds.length}: vote errors: ${errors} (${
        samples.join(" | ")
      })`,
    );
  }
  return runs;
}

/**
 * After a run every answer is in, so every acknowledged vote has committed:
 * each count read back from the database (name, value) must equal the votes
 * acknowledged. A mismatch marks the variant inexact and is reported.
 */
export function checkCounts<V extends string>(
  phase: string,
  state: RoundState<V>,
  counts: [name: string, value: number][],
  options: Pick<RoundsOptions, "fail">,
): void {
  if (counts.every(([, value]) => value === state.acknowledged)) return;
  state.exact = false;
  options.fail(
    `${phase} ${state.variant}, round ${state.rounds.length}: ` +
      counts.map(([name, value]) => `${name} ${value}`).join(", ") +
      ` != ${state.acknowledged} votes acknowledged`,
  );
}

export function ratePerS<V extends string>(state: RoundState<V>): number {
  return state.ok / Math.max(1, state.windowMs) * 1000;
}

/** Rate and latency; `ratio` against `baselineRate`, none for the baseline itself. */
export function roundFigures<V extends string>(
  state: RoundState<V>,
  baselineRate: number,
  isBaseline: boolean,
): RoundFigures {
  const votesPerS = ratePerS(state);
  const { histogram } = state;
  return {
    votesPerS: round(votesPerS, 0),
    ratio: isBaseline ? undefined : round(votesPerS / baselineRate, 2),
    rounds: state.rounds,
    p50Ms: round(histogram.percentile(50), 2),
    p99Ms: round(histogram.percentile(99), 2),
    meanMs: round(histogram.meanMs, 2),
    maxMs: round(histogram.maxMs, 2),
    acknowledged: state.acknowledged,
  };
}

export function roundChecks<V extends string>(state: RoundState<V>): RoundChecks {
  return {
    exact: state.exact,
    errors: state.errors,
    windowS: round(state.windowMs / 1000, 2),
  };
}

export function roundCosts<V extends string>(state: RoundState<V>): RoundCosts {
  return {
    serverCpuUsPerVote: usPer(state.cpuMs, state.acknowledged),
    votesPerBatch: state.batches
      ? votesPerBatch(state.batches.batches, state.batches.votes)
      : undefined,
  };
}

/** A browser the server would have issued: its cookie header and the token its forms carry. */
export interface Browser {
  cookie: string;
  token: string;
}

export function benchBrowser(): Browser {
  const identity = new VoterIdentity(BENCH_SECRET);
  const { voterId, cookie } = identity.mint();
  return { cookie: `oponn_voter=${cookie}`, token: identity.csrfToken(voterId) };
}

/** A form POST from `owner`'s browser, as htmx sends it; redirects are not followed. */
export function postForm(
  base: string,
  owner: Browser,
  path: string,
  form: Record<string, string>,
): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: {
      Cookie: owner.cookie,
      "X-CSRF-Token": owner.token,
      "Content-Type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams(form),
  });
}

/** The vote writer's counters from /metrics (undefined when they cannot be read). */
export async function writerStats(
  base: string,
): Promise<{ batches: number; votes: number } | undefined> {
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

/** CPU milliseconds over `count` answers, in µs each. */
export function usPer(cpuMs: number, count: number): number {
  return round(1000 * cpuMs / Math.max(1, count), 1);
}

/** Votes per vote-writer transaction. */
export function votesPerBatch(batches: number, votes: number): number {
  return round(votes / Math.max(1, batches), 1);
}
