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
import {
  BENCH_SECRET,
  benchBrowser,
  type Browser,
  checkCounts,
  generatorsOf,
  interleave,
  measureRun,
  newRoundState,
  postForm,
  ratePerS,
  type RoundChecks,
  roundChecks,
  type RoundCosts,
  roundCosts,
  type RoundFigures,
  roundFigures,
  type RoundsOptions,
  roundsPlan,
  type RoundState,
  voterConfig,
} from "./rounds.ts";
import { random } from "../scripts/simulate.ts";

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

/** Distinct vote bodies drawn per kind (the voters go round them). */
const POOL = { smoke: 5_000, full: 100_000 };

/** Rate and latency (ratio: against `single`), checks and costs as bench/rounds.ts has them. */
export interface KindFigures extends RoundFigures, RoundChecks, RoundCosts {
  kind: Kind;
  /** single: sum of option counters; approval: voters (turnout); ranked: sum of ranking counters. */
  counted: number;
  turnout: number;
  /** Audit rows of the ballot (one per vote). */
  auditRows: number;
  /** approval: the option counters' sum (choices made). */
  choices?: number;
  /** ranked: rows in ballot_rankings. */
  distinctRankings?: number;
}

export interface KindsFigures {
  voters: number;
  options: number;
  rounds: number;
  /** Measured seconds per kind (all rounds). */
  durationS: number;
  kinds: KindFigures[];
}

export type KindsOptions = RoundsOptions;

/** One kind's ballot, what its runs added up to so far, and its vote bodies. */
interface KindState extends RoundState<Kind> {
  /** One file of form bodies per generator. */
  files: string[];
  stored?: StoredCounts;
}

export async function kindsPhase(
  base: string,
  pid: number,
  sql: postgres.Sql,
  options: KindsOptions,
): Promise<KindsFigures> {
  const { rounds, durationMs } = roundsPlan(options);
  const generators = generatorsOf(options);
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
      states.set(kind, { ...newRoundState(kind, ballotId), files });
    }
    await interleave(
      KINDS,
      states,
      options,
      (state, runOptions) => runKind(state, base, pid, sql, runOptions),
    );
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

function figuresOf(state: KindState, singleRate: number): KindFigures {
  const { stored, variant: kind } = state;
  return {
    kind,
    ...roundFigures(state, singleRate, kind === "single"),
    counted: stored ? countedOf(kind, stored) : NaN,
    turnout: stored?.turnout ?? NaN,
    auditRows: stored?.auditRows ?? NaN,
    choices: kind === "approval" ? stored?.optionVotes : undefined,
    distinctRankings: kind === "ranked" ? stored?.rankings : undefined,
    ...roundChecks(state),
    ...roundCosts(state),
  };
}

function countedOf(kind: Kind, stored: StoredCounts): number {
  return kind === "single"
    ? stored.optionVotes
    : kind === "ranked"
    ? stored.rankingVotes
    : stored.turnout;
}

/** One run of one kind; adds its figures to `state` and checks the database against them. */
async function runKind(
  state: KindState,
  base: string,
  pid: number,
  sql: postgres.Sql,
  options: KindsOptions,
): Promise<void> {
  const { variant: kind, ballotId } = state;
  options.log(
    `kinds: ${kind}, ${options.voters} voters, ` +
      `${options.warmupMs / 1000} + ${(options.durationMs / 1000).toFixed(2)} s`,
  );
  const configs = state.files.map((file, index) =>
    voterConfig(base, ballotId, index, options, {
      option: "",
      // Each voter its own browser: the cookie and token a GET of the vote page would set
      // (as bench/modes.ts does), so that no page render falls in the measured CPU time.
      mint: { secret: BENCH_SECRET },
      bodiesFile: file,
    })
  );
  await measureRun("kinds", state, base, pid, configs, options);
  // Every answer is in, so every acknowledged vote has committed: the database must agree.
  const stored = state.stored = await storedCounts(sql, ballotId);
  checkCounts("kinds", state, [
    ["counter", countedOf(kind, stored)],
    ["turnout", stored.turnout],
    ["audit rows", stored.auditRows],
  ], options);
}

/** Seeded generator (mulberry32, scripts/simulate.ts): the same votes every run. */
export const randomFrom = random;

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

/** POST /create as `owner`: a ballot of `kind` over OPTIONS, open now, every vote counted. */
export async function createKindBallot(
  base: string,
  owner: Browser,
  kind: Kind,
  measure: string,
): Promise<string> {
  const response = await postForm(base, owner, "/create", {
    measure,
    options_raw: OPTIONS.join(", "),
    kind,
    start_time_type: "now",
    duration_mins: "240",
    duplicate_check: "none",
    listing: "unlisted",
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
