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
  shareOf,
  voterConfig,
} from "./rounds.ts";
import { round } from "./stats.ts";
import type { VotersConfig } from "./voters.ts";

export const MODES = ["none", "browser", "code"] as const;
export type Mode = typeof MODES[number];

/** Codes per manage request (SPEC section 6 caps one request at 10,000). */
const CODES_PER_REQUEST = 10_000;
/** Prepared votes beyond the estimate, so that a faster mode does not run out. */
const HEADROOM = 2;
/** Bounds on what one run prepares: smoke stays tiny; a full run issues at most this many codes. */
const MAX_PREPARED = { smoke: 5_000, full: 300_000 };

/** Rate and latency (ratio: against the `none` mode), checks and costs as bench/rounds.ts has them. */
export interface ModeFigures extends RoundFigures, RoundChecks, RoundCosts {
  mode: Mode;
  /** The hot option's counter in the database. */
  counted: number;
  /** The ballot's turnout in the database. */
  turnout: number;
  /** `browser`: rows in ballot_voters; `code`: codes issued minus codes left. */
  claimed?: number;
  /** New browsers or codes prepared, and whether the voters ran out of them in a run. */
  prepared?: number;
  exhausted?: boolean;
  /** `code`: codes issued, and the seconds that took (never inside a measured window). */
  codesIssued?: number;
  codesIssueS?: number;
}

export interface ModesFigures {
  voters: number;
  rounds: number;
  /** Measured seconds per mode (all rounds). */
  durationS: number;
  modes: ModeFigures[];
}

export type ModesOptions = RoundsOptions;

/** One mode's ballot, what its runs added up to so far, and its codes. */
interface ModeState extends RoundState<Mode> {
  /** `code`: codes issued and not yet handed to a voter. */
  codes: string[];
  codesIssued: number;
  codesIssueMs: number;
  stored?: StoredCounts;
}

export async function modesPhase(
  base: string,
  pid: number,
  sql: postgres.Sql,
  options: ModesOptions,
): Promise<ModesFigures> {
  const { rounds, durationMs } = roundsPlan(options);
  const owner = benchBrowser();
  const states = new Map<Mode, ModeState>();
  for (const mode of MODES) {
    const ballotId = await createBallot(base, owner, mode);
    states.set(mode, {
      ...newRoundState(mode, ballotId),
      codes: [],
      codesIssued: 0,
      codesIssueMs: 0,
    });
  }
  await interleave(MODES, states, options, (state, runOptions) => {
    // Sized on the `none` rate so far (it runs first, so there is one by the others' turn).
    const none = states.get("none")!;
    const noneRate = none.windowMs > 0 ? none.ok / none.windowMs * 1000 : 0;
    const wanted =
      Math.ceil(noneRate * (runOptions.warmupMs + runOptions.durationMs) / 1000 * HEADROOM) +
      options.voters;
    const prepared = Math.min(wanted, options.smoke ? MAX_PREPARED.smoke : MAX_PREPARED.full);
    return runMode(state, base, pid, sql, owner, prepared, runOptions);
  });
  const noneRate = ratePerS(states.get("none")!);
  const modes = MODES.map((mode) => figuresOf(states.get(mode)!, noneRate));
  return { voters: options.voters, rounds, durationS: durationMs / 1000, modes };
}

function figuresOf(state: ModeState, noneRate: number): ModeFigures {
  const { stored, variant: mode } = state;
  return {
    mode,
    ...roundFigures(state, noneRate, mode === "none"),
    counted: stored?.counted ?? NaN,
    turnout: stored?.turnout ?? NaN,
    claimed: stored && claimedOf(mode, stored),
    ...roundChecks(state),
    prepared: mode === "none" ? undefined : state.prepared,
    exhausted: mode === "none" ? undefined : state.exhausted,
    codesIssued: mode === "code" ? state.codesIssued : undefined,
    codesIssueS: mode === "code" ? round(state.codesIssueMs / 1000, 1) : undefined,
    ...roundCosts(state),
  };
}

/** `browser`: rows in ballot_voters; `code`: codes issued minus codes left. */
function claimedOf(mode: Mode, stored: StoredCounts): number | undefined {
  return mode === "browser"
    ? stored.voters
    : mode === "code"
    ? stored.codesIssued - stored.codesLeft
    : undefined;
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
  const { variant: mode, ballotId } = state;
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

  const generators = generatorsOf(options);
  const codeFiles: string[] = [];
  const handedOut: string[][] = [];
  try {
    const configs = await Promise.all(Array.from({ length: generators }, async (_, index) => {
      const mine = shareOf(prepared, generators, index);
      const config: VotersConfig = voterConfig(base, ballotId, index, options, {
        option: "yes",
        mint: {
          secret: BENCH_SECRET,
          perVote: mode === "browser" ? { votes: mine } : undefined,
        },
      });
      if (mode === "code") {
        const codes = state.codes.filter((_, at) => at % generators === index).slice(0, mine);
        handedOut[index] = codes;
        const file = await Deno.makeTempFile({ prefix: "oponn-bench-codes-" });
        codeFiles.push(file);
        await Deno.writeTextFile(file, codes.join("\n") + "\n");
        config.codesFile = file;
      }
      return config;
    }));

    const runs = await measureRun("modes", state, base, pid, configs, options);
    if (mode === "code") {
      // A code sent is spent (or at least not reliably unused); the rest stay for the next run.
      const sent = new Set(
        handedOut.flatMap((codes, index) =>
          codes.slice(0, runs[index].prepared?.sent ?? codes.length)
        ),
      );
      state.codes = state.codes.filter((code) => !sent.has(code));
    }

    // Every answer is in, so every acknowledged vote has committed: the database must agree.
    const stored = state.stored = await storedCounts(sql, ballotId);
    const claimed = claimedOf(mode, stored);
    checkCounts("modes", state, [
      ["counter", stored.counted],
      ["turnout", stored.turnout],
      ...(claimed === undefined ? [] : [["claimed", claimed] as [string, number]]),
    ], options);
  } finally {
    for (const file of codeFiles) await Deno.remove(file).catch(() => {});
  }
}

/**
 * POST /create as `owner`; a `code` ballot needs at least one code, and
 * answers with it (and its id in the CSV's name): that code is left unused.
 */
async function createBallot(base: string, owner: Browser, mode: Mode): Promise<string> {
  const response = await postForm(base, owner, "/create", {
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
  const response = await postForm(base, owner, `/manage/${ballotId}/codes`, {
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
