/**
 * The `modes` phase: the vote path of `none`, `browser` and `code` ballots side
 * by side, on one Oponn process, `voters` closed-loop voters on one hot option,
 * the measured time split into rounds that take the modes in turn (see ROUNDS).
 *
 * - `none`: each voter is one browser voting again and again (the `votes` phase).
 * - `browser`: every vote comes from a NEW browser. Its signed cookie and CSRF
 *   token are minted by the load generator with the server's secret
 *   (lib/identity/voter.ts): the values a GET of the vote page would set,
 *   without timing a page render per vote.
 * - `code`: every vote carries a fresh one-time code, issued through the
 *   manage action before the clock starts (10,000 per request), enough for the
 *   run at twice the `none` rate so far. If they run out, the voters stop: the
 *   rate is then taken over the time the codes lasted, and it is no server
 *   failure. The votes go out from one minted browser (on a code ballot the
 *   browser only carries the CSRF token), so the mode costs what a code costs.
 *
 * After each run, what the server acknowledged (204) is compared with what
 * the database holds: the option's counter, the ballot's turnout, and the
 * voters claimed or codes used.
 */
import type postgres from "postgres";
import { VoterIdentity } from "../lib/identity/voter.ts";
import { cpuMs, runToResult } from "./proc.ts";
import { Histogram, round } from "./stats.ts";
import type { VotersConfig, VotersResult } from "./voters.ts";

export const MODES = ["none", "browser", "code"] as const;
export type Mode = typeof MODES[number];

/** The OPONN_SECRET startOponn (bench/main.ts) gives Oponn; a mismatch shows as a 403 on create. */
export const BENCH_SECRET = "oponn-bench-secret-0123456789abcdef";

/** Codes per manage request (SPEC section 6 caps one request at 10,000). */
const CODES_PER_REQUEST = 10_000;
/**
 * The measured time is split into rounds that take the modes in turn, in a
 * rotated order: whatever else the machine does then weighs on all three alike.
 */
const ROUNDS = 5;
/** Warm-up of every run after a mode's first (the pipeline refills; the JIT is warm). */
const LATER_WARMUP_MS = 500;
/** Prepared votes beyond the estimate, so that a faster mode does not run out. */
const HEADROOM = 2;
/** Bounds on what one run prepares: smoke stays tiny; a full run issues at most this many codes. */
const MAX_PREPARED = { smoke: 5_000, full: 300_000 };

export interface ModeFigures {
  mode: Mode;
  /** Votes answered inside the measured windows, per second of those windows. */
  votesPerS: number;
  /** votesPerS / the `none` mode's. */
  ratio?: number;
  /** votes/s of each round, in order. */
  rounds: number[];
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  /** Votes answered 204 (acknowledged), warm-ups included. */
  acknowledged: number;
  /** The hot option's counter in the database. */
  counted: number;
  /** The ballot's turnout in the database. */
  turnout: number;
  /** `browser`: rows in ballot_voters; `code`: codes issued minus codes left. */
  claimed?: number;
  /** counted = turnout = acknowledged (= claimed), checked after every run. */
  exact: boolean;
  errors: number;
  /** Seconds measured (shorter than planned when prepared votes ran out). */
  windowS: number;
  /** New browsers or codes prepared, and whether the voters ran out of them in a run. */
  prepared?: number;
  exhausted?: boolean;
  /** `code`: codes issued, and the seconds that took (never inside a measured window). */
  codesIssued?: number;
  codesIssueS?: number;
  serverCpuUsPerVote: number;
  votesPerBatch?: number;
}

export interface ModesFigures {
  voters: number;
  rounds: number;
  /** Measured seconds per mode (all rounds). */
  durationS: number;
  modes: ModeFigures[];
}

export interface ModesOptions {
  voters: number;
  generators: number;
  warmupMs: number;
  durationMs: number;
  smoke: boolean;
  log(message: string): void;
  /** Records a failure in the report (vote errors, or a count that is not exact). */
  fail(message: string): void;
}

/** One mode's ballot and what its runs added up to so far. */
interface ModeState {
  mode: Mode;
  ballotId: string;
  /** `code`: codes issued and not yet handed to a voter. */
  codes: string[];
  codesIssued: number;
  codesIssueMs: number;
  histogram: Histogram;
  rounds: number[];
  ok: number;
  windowMs: number;
  acknowledged: number;
  errors: number;
  prepared: number;
  exhausted: boolean;
  cpuMs: number;
  batches?: { batches: number; votes: number };
  exact: boolean;
  stored?: StoredCounts;
}

export async function modesPhase(
  base: string,
  pid: number,
  sql: postgres.Sql,
  options: ModesOptions,
): Promise<ModesFigures> {
  const rounds = options.smoke ? 1 : ROUNDS;
  const durationMs = options.smoke ? Math.min(options.durationMs, 500) : options.durationMs;
  const runMs = durationMs / rounds;
  const owner = browser();
  const states = new Map<Mode, ModeState>();
  for (const mode of MODES) {
    const ballotId = await createBallot(base, owner, mode);
    states.set(mode, {
      mode,
      ballotId,
      codes: [],
      codesIssued: 0,
      codesIssueMs: 0,
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
    });
  }
  for (let round = 0; round < rounds; round++) {
    // Rotated: none, browser, code; then browser, code, none; then code, none, browser; …
    const order = MODES.map((_, index) => MODES[(index + round) % MODES.length]);
    for (const mode of order) {
      const state = states.get(mode)!;
      const warmupMs = state.rounds.length === 0
        ? (options.smoke ? Math.min(options.warmupMs, 100) : options.warmupMs)
        : Math.min(options.warmupMs, LATER_WARMUP_MS);
      // Sized on the `none` rate so far (it runs first, so there is one by the others' turn).
      const none = states.get("none")!;
      const noneRate = none.windowMs > 0 ? none.ok / none.windowMs * 1000 : 0;
      const wanted = Math.ceil(noneRate * (warmupMs + runMs) / 1000 * HEADROOM) + options.voters;
      const prepared = Math.min(wanted, options.smoke ? MAX_PREPARED.smoke : MAX_PREPARED.full);
      await runMode(state, base, pid, sql, owner, prepared, {
        ...options,
        warmupMs,
        durationMs: runMs,
      });
    }
  }
  const noneRate = ratePerS(states.get("none")!);
  const modes = MODES.map((mode) => figuresOf(states.get(mode)!, noneRate));
  return { voters: options.voters, rounds, durationS: durationMs / 1000, modes };
}

function ratePerS(state: ModeState): number {
  return state.ok / Math.max(1, state.windowMs) * 1000;
}

function figuresOf(state: ModeState, noneRate: number): ModeFigures {
  const votesPerS = ratePerS(state);
  const { histogram, stored, mode } = state;
  const claimed = mode === "browser"
    ? stored?.voters
    : mode === "code"
    ? stored && stored.codesIssued - stored.codesLeft
    : undefined;
  return {
    mode,
    votesPerS: round(votesPerS, 0),
    ratio: mode === "none" ? undefined : round(votesPerS / noneRate, 2),
    rounds: state.rounds,
    p50Ms: round(histogram.percentile(50), 2),
    p99Ms: round(histogram.percentile(99), 2),
    meanMs: round(histogram.meanMs, 2),
    maxMs: round(histogram.maxMs, 2),
    acknowledged: state.acknowledged,
    counted: stored?.counted ?? NaN,
    turnout: stored?.turnout ?? NaN,
    claimed,
    exact: state.exact,
    errors: state.errors,
    windowS: round(state.windowMs / 1000, 2),
    prepared: mode === "none" ? undefined : state.prepared,
    exhausted: mode === "none" ? undefined : state.exhausted,
    codesIssued: mode === "code" ? state.codesIssued : undefined,
    codesIssueS: mode === "code" ? round(state.codesIssueMs / 1000, 1) : undefined,
    serverCpuUsPerVote: round(1000 * state.cpuMs / Math.max(1, state.acknowledged), 1),
    votesPerBatch: state.batches
      ? round(state.batches.votes / Math.max(1, state.batches.batches), 1)
      : undefined,
  };
}

/** One run of one mode; adds its figures to `state` and checks the database against them. */
async function runMode(
  state: ModeState,
  base: string,
  pid: number,
  sql: postgres.Sql,
  owner: Browser,
  prepared: number,
  options: ModesOptions,
): Promise<void> {
  const { mode, ballotId } = state;
  if (mode === "code" && state.codes.length < prepared) {
    const issuing = performance.now();
    while (state.codes.length < prepared) {
      const count = Math.min(CODES_PER_REQUEST, prepared - state.codes.length);
      const codes = await issueCodes(base, owner, ballotId, count);
      state.codes.push(...codes);
      state.codesIssued += codes.length;
    }
    const tookMs = performance.now() - issuing;
    state.codesIssueMs += tookMs;
    options.log(`modes: ${state.codesIssued} codes issued so far (${Math.round(tookMs)} ms now)`);
  }
  options.log(
    `modes: duplicate_check=${mode}, ${options.voters} voters, ` +
      `${options.warmupMs / 1000} + ${(options.durationMs / 1000).toFixed(2)} s` +
      (mode === "none" ? "" : `, ${prepared} ${mode === "code" ? "codes" : "new browsers"}`),
  );

  const generators = Math.max(1, Math.min(options.generators, options.voters));
  const codeFiles: string[] = [];
  const handedOut: string[][] = [];
  try {
    const configs = await Promise.all(Array.from({ length: generators }, async (_, index) => {
      const share = (total: number) =>
        Math.floor(total / generators) + (index < total % generators ? 1 : 0);
      const config: VotersConfig = {
        targets: [base],
        path: `/vote/${ballotId}`,
        option: "yes",
        connections: share(options.voters),
        warmupMs: options.warmupMs,
        durationMs: options.durationMs,
        setup: false,
        okStatuses: [204],
        mint: {
          secret: BENCH_SECRET,
          perVote: mode === "browser" ? { votes: share(prepared) } : undefined,
        },
      };
      if (mode === "code") {
        const mine = state.codes.filter((_, at) => at % generators === index).slice(
          0,
          share(prepared),
        );
        handedOut[index] = mine;
        const file = await Deno.makeTempFile({ prefix: "oponn-bench-codes-" });
        codeFiles.push(file);
        await Deno.writeTextFile(file, mine.join("\n") + "\n");
        config.codesFile = file;
      }
      return config;
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
    if (mode === "code") {
      // A code sent is spent (or at least not reliably unused); the rest stay for the next run.
      const sent = new Set(
        handedOut.flatMap((codes, index) =>
          codes.slice(0, runs[index].prepared?.sent ?? codes.length)
        ),
      );
      state.codes = state.codes.filter((code) => !sent.has(code));
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
        `modes ${mode}, round ${state.rounds.length}: vote errors: ${errors} (${
          samples.join(" | ")
        })`,
      );
    }

    // Every answer is in, so every acknowledged vote has committed: the database must agree.
    const stored = state.stored = await storedCounts(sql, ballotId);
    const claimed = mode === "browser"
      ? stored.voters
      : mode === "code"
      ? stored.codesIssued - stored.codesLeft
      : undefined;
    const exact = stored.counted === state.acknowledged &&
      stored.turnout === state.acknowledged &&
      (claimed === undefined || claimed === state.acknowledged);
    if (!exact) {
      state.exact = false;
      options.fail(
        `modes ${mode}, round ${state.rounds.length}: counter ${stored.counted}, turnout ${stored.turnout}` +
          (claimed === undefined ? "" : `, claimed ${claimed}`) +
          ` != ${state.acknowledged} votes acknowledged`,
      );
    }
  } finally {
    for (const file of codeFiles) await Deno.remove(file).catch(() => {});
  }
}

/** A browser the server would have issued: its cookie header and the token its forms carry. */
interface Browser {
  cookie: string;
  token: string;
}

function browser(): Browser {
  const identity = new VoterIdentity(BENCH_SECRET);
  const { voterId, cookie } = identity.mint();
  return { cookie: `oponn_voter=${cookie}`, token: identity.csrfToken(voterId) };
}

function post(base: string, owner: Browser, path: string, form: Record<string, string>) {
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

/**
 * POST /create as `owner`; a `code` ballot needs at least one code, and
 * answers with it (and its id in the CSV's name): that code is left unused.
 */
async function createBallot(base: string, owner: Browser, mode: Mode): Promise<string> {
  const response = await post(base, owner, "/create", {
    measure: `duplicate_check=${mode}, one hot option`,
    options_raw: "yes, no",
    start_time_type: "now",
    duration_mins: "240",
    duplicate_check: mode,
    listing: "unlisted",
    ...(mode === "code" ? { voter_codes: "1" } : {}),
  });
  const html = await response.text();
  if (mode !== "code") {
    const id = /^\/vote\/(.+)$/.exec(response.headers.get("location") ?? "")?.[1];
    if (response.status !== 303 || !id) {
      throw new Error(`modes: POST /create (${mode}): HTTP ${response.status}${hint(response)}`);
    }
    return id;
  }
  const id = /download="voter-codes-([^"]+)\.csv"/.exec(html)?.[1];
  if (response.status !== 200 || !id || codesOf(html).length !== 1) {
    throw new Error(`modes: POST /create (code): HTTP ${response.status}${hint(response)}`);
  }
  return id;
}

/** The manage action `codes` from the owner's browser: `count` more codes, shown once. */
async function issueCodes(
  base: string,
  owner: Browser,
  ballotId: string,
  count: number,
): Promise<string[]> {
  const response = await post(base, owner, `/manage/${ballotId}/codes`, {
    voter_codes: String(count),
  });
  const codes = codesOf(await response.text());
  if (response.status !== 200 || codes.length !== count) {
    throw new Error(
      `modes: POST /manage/{id}/codes: HTTP ${response.status}, ${codes.length} of ${count} codes`,
    );
  }
  return codes;
}

function codesOf(html: string): string[] {
  return [...html.matchAll(/data-voter-code="([^"]+)"/g)].map((match) => match[1]);
}

function hint(response: Response): string {
  return response.status === 403 ? " (is BENCH_SECRET the OPONN_SECRET startOponn sets?)" : "";
}

interface StoredCounts {
  counted: number;
  turnout: number;
  voters: number;
  codesIssued: number;
  codesLeft: number;
}

async function storedCounts(sql: postgres.Sql, ballotId: string): Promise<StoredCounts> {
  const [row] = await sql<StoredCounts[]>`
    select
      coalesce((select votes from ballot_options o
        where o.ballot_id = b.id and o.label = 'yes'), 0)::int as counted,
      b.turnout::int as turnout,
      (select count(*) from ballot_voters v where v.ballot_id = b.id)::int as voters,
      b.codes_issued::int as "codesIssued",
      (select count(*) from voter_codes c where c.ballot_id = b.id)::int as "codesLeft"
    from ballots b where b.id = ${ballotId}`;
  if (!row) throw new Error(`modes: ballot ${ballotId} is not in the database`);
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
