/**
 * The `runoff` phase: what one live flush of a ranked ballot costs, and that
 * the cost follows the distinct rankings, not the ballots.
 *
 * Ranked ballots of 10 options are created through POST /create, then their
 * ranking counters (ballot_rankings) and turnout are written directly with SQL
 * (no audit rows: neither the runoff nor the snapshot reads them). The
 * distinct rankings are random partial orders (bench/kinds.ts drawRanking: a
 * length from 1 to 10, options drawn by weight without replacement), the
 * first 1,000 of them shared by the 1,000-ranking cases.
 *
 * Cases (same distinct rankings, different ballots; 10,000 distinct rankings
 * cannot come from 1,000 ballots):
 *   1,000 distinct:  10^3 ballots (1 each)   vs 10^6 ballots (1,000 each)
 *   10,000 distinct: 10^4 ballots (1 each)   vs 10^6 ballots (100 each)
 *   10,000 distinct: 10^6 ballots, skewed counts (1 + a share of the rest
 *                    by 1/(i+1)^0.9): the realistic shape of a large ballot.
 * The equal-count pairs are the same election at two scales (same rounds, same
 * eliminations), so any difference between them is the count of ballots.
 *
 * Three timings per case, interleaved case by case and repetition by repetition:
 *   pure     — runInstantRunoff (lib/kinds/runoff.ts) over the aggregated rankings;
 *   tally    — Oponn.readTally: the counters read from Postgres (ranking rows,
 *              option rows) and the kind's result (keys to labels, the runoff);
 *   snapshot — the live hub's render of one flush (lib/live/snapshots.ts with the
 *              views server.ts gives it): ballot (cached), tally and turnout read,
 *              results HTML per audience and the API event.
 */
import type postgres from "postgres";
import { labelKey } from "../lib/ballots/labels.ts";
import { type RankingCount, runInstantRunoff } from "../lib/kinds/runoff.ts";
import { Oponn } from "../lib/oponn.ts";
import { liveRenderer } from "../server.ts";
import { openDatabase } from "../lib/stores/database.ts";
import type { VoteWriter } from "../lib/votes/writer.ts";
import { createKindBallot, drawRanking, OPTIONS, randomFrom } from "./kinds.ts";
import { BENCH_SECRET, benchBrowser } from "./rounds.ts";
import { percentileOf, round } from "./stats.ts";

export interface Timing {
  medianMs: number;
  p90Ms: number;
  maxMs: number;
  repetitions: number;
}

export interface RunoffCase {
  distinct: number;
  ballots: number;
  counts: "1 each" | "equal" | "skewed";
  rounds: number;
  winners: string[];
  pure: Timing;
  tally: Timing;
  snapshot: Timing;
}

export interface RunoffFigures {
  options: number;
  cases: RunoffCase[];
  /** 10^6-ballot median / small-ballot median, same distinct rankings. */
  flat: { distinct: number; pure: number; tally: number; snapshot: number }[];
}

export interface RunoffOptions {
  smoke: boolean;
  log(message: string): void;
  fail(message: string): void;
}

const REPETITIONS = {
  smoke: { pure: 25, pureWarmup: 15, tally: 8, snapshot: 8, warmup: 3 },
  full: { pure: 400, pureWarmup: 20, tally: 120, snapshot: 120, warmup: 20 },
};

interface Seeded {
  spec: { distinct: number; ballots: number; counts: RunoffCase["counts"] };
  ballotId: string;
  rankings: RankingCount[];
  expected: ReturnType<typeof runInstantRunoff>;
  times: { pure: number[]; tally: number[]; snapshot: number[] };
}

export async function runoffPhase(
  base: string,
  dbUrl: string,
  options: RunoffOptions,
): Promise<RunoffFigures> {
  const reps = options.smoke ? REPETITIONS.smoke : REPETITIONS.full;
  const all = distinctRankings(10_000, 11);
  const specs: Seeded["spec"][] = [
    { distinct: 1_000, ballots: 1_000, counts: "1 each" },
    { distinct: 1_000, ballots: 1_000_000, counts: "equal" },
    { distinct: 10_000, ballots: 10_000, counts: "1 each" },
    { distinct: 10_000, ballots: 1_000_000, counts: "equal" },
    { distinct: 10_000, ballots: 1_000_000, counts: "skewed" },
  ];
  // The server's own SQL client settings (bigint as number), on the bench database.
  const db = await openDatabase({ url: dbUrl, dataDir: "" });
  try {
    const owner = benchBrowser();
    const seeded: Seeded[] = [];
    for (const spec of specs) {
      const ballotId = await createKindBallot(
        base,
        owner,
        "ranked",
        `runoff: ${spec.distinct} distinct rankings, ${spec.ballots} ballots`,
      );
      const counts = countsOf(spec);
      const rankings = all.slice(0, spec.distinct).map((ranking, i) => ({
        ranking,
        count: counts[i],
      }));
      await seed(db.sql as unknown as postgres.Sql, ballotId, rankings);
      seeded.push({
        spec,
        ballotId,
        rankings,
        expected: runInstantRunoff(OPTIONS, rankings),
        times: { pure: [], tally: [], snapshot: [] },
      });
    }
    options.log(`runoff: ${specs.length} ranked ballots seeded`);

    // The live hub's render, built as server.ts builds it (the writer is never used).
    const oponn = new Oponn({
      sql: db.sql,
      writer: undefined as unknown as VoteWriter,
      secret: BENCH_SECRET,
    });
    const render = liveRenderer(oponn);

    // The full path must compute what the pure runoff computes over the same counters.
    for (const entry of seeded) {
      const tally = await oponn.readTally(entry.ballotId);
      const got = tally.runoff;
      const want = entry.expected;
      if (
        !got || got.total !== entry.spec.ballots || want.total !== entry.spec.ballots ||
        JSON.stringify(got.rounds) !== JSON.stringify(want.rounds) ||
        got.winners.join() !== want.winners.join()
      ) {
        options.fail(
          `runoff: ${entry.spec.distinct}/${entry.spec.ballots} (${entry.spec.counts}): the counters read from Postgres ` +
            `do not give the pure runoff's rounds (${got?.total} ballots, ${got?.rounds.length} rounds)`,
        );
      }
      const snapshot = await render(entry.ballotId);
      if (!snapshot?.audiences.shown.results.includes("data-round")) {
        options.fail(`runoff: the snapshot of ${entry.ballotId} shows no rounds`);
      }
    }
    for (const [small, large] of [[0, 1], [2, 3]]) {
      const a = seeded[small].expected, b = seeded[large].expected;
      if (
        JSON.stringify(a.rounds.map((r) => r.eliminated)) !==
          JSON.stringify(b.rounds.map((r) => r.eliminated)) || a.winners.join() !== b.winners.join()
      ) {
        options.fail(`runoff: the scaled elections differ (${a.winners} vs ${b.winners})`);
      }
    }

    const time = async (into: number[], keep: boolean, body: () => unknown) => {
      const started = performance.now();
      await body();
      if (keep) into.push(performance.now() - started);
    };
    const rotate = <T>(items: T[], by: number) =>
      items.map((_, i) => items[(i + by) % items.length]);
    for (let i = 0; i < reps.pureWarmup + reps.pure; i++) {
      for (const entry of rotate(seeded, i)) {
        await time(
          entry.times.pure,
          i >= reps.pureWarmup,
          () => runInstantRunoff(OPTIONS, entry.rankings),
        );
      }
    }
    options.log("runoff: pure runoff timed");
    for (let i = 0; i < reps.warmup + Math.max(reps.tally, reps.snapshot); i++) {
      for (const entry of rotate(seeded, i)) {
        if (i < reps.warmup + reps.tally) {
          await time(entry.times.tally, i >= reps.warmup, () => oponn.readTally(entry.ballotId));
        }
        if (i < reps.warmup + reps.snapshot) {
          await time(entry.times.snapshot, i >= reps.warmup, () => render(entry.ballotId));
        }
      }
    }
    options.log("runoff: tally and snapshot timed");

    const cases = seeded.map((entry): RunoffCase => ({
      ...entry.spec,
      rounds: entry.expected.rounds.length,
      winners: entry.expected.winners,
      pure: timingOf(entry.times.pure),
      tally: timingOf(entry.times.tally),
      snapshot: timingOf(entry.times.snapshot),
    }));
    const ratio = (a: RunoffCase, b: RunoffCase, key: "pure" | "tally" | "snapshot") =>
      round(b[key].medianMs / a[key].medianMs, 2);
    const flat = [[0, 1], [2, 3]].map(([small, large]) => ({
      distinct: cases[small].distinct,
      pure: ratio(cases[small], cases[large], "pure"),
      tally: ratio(cases[small], cases[large], "tally"),
      snapshot: ratio(cases[small], cases[large], "snapshot"),
    }));
    return { options: OPTIONS.length, cases, flat };
  } finally {
    await db.close();
  }
}

function timingOf(times: number[]): Timing {
  return {
    medianMs: round(percentileOf(times, 50), 3),
    p90Ms: round(percentileOf(times, 90), 3),
    maxMs: round(Math.max(...times), 3),
    repetitions: times.length,
  };
}

/** `count` distinct random partial orders over OPTIONS (labels), always the same. */
function distinctRankings(count: number, seed: number): string[][] {
  const random = randomFrom(seed);
  const seen = new Set<string>();
  const out: string[][] = [];
  while (out.length < count) {
    const ranking = drawRanking(random, 1 + Math.floor(random() * OPTIONS.length))
      .map((i) => OPTIONS[i]);
    const key = ranking.join("\n");
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(ranking);
  }
  return out;
}

/** Each ranking's count in a case (they add up to the case's ballots). */
function countsOf(spec: Seeded["spec"]): number[] {
  if (spec.counts !== "skewed") return Array(spec.distinct).fill(spec.ballots / spec.distinct);
  const raw = Array.from({ length: spec.distinct }, (_, i) => 1 / (i + 1) ** 0.9);
  const total = raw.reduce((sum, w) => sum + w, 0);
  const rest = spec.ballots - spec.distinct;
  const counts = raw.map((w) => 1 + Math.floor(rest * w / total));
  counts[0] += spec.ballots - counts.reduce((sum, c) => sum + c, 0);
  return counts;
}

/** The counters as the vote writer keeps them (lib/stores/votes.ts), and the turnout. */
async function seed(sql: postgres.Sql, ballotId: string, rankings: RankingCount[]): Promise<void> {
  const JOIN = "\n";
  const keys = rankings.map((row) => row.ranking.map(labelKey).join(JOIN));
  const counts = rankings.map((row) => row.count);
  const total = counts.reduce((sum, c) => sum + c, 0);
  await sql.begin(async (tx) => {
    await tx`
      insert into ballot_rankings (ballot_id, ranking_key, ranking, votes)
      select ${ballotId}, encode(sha256(convert_to(k, 'UTF8')), 'hex'),
        string_to_array(k, ${JOIN}), c
      from unnest(${keys}::text[], ${counts}::bigint[]) as t(k, c)`;
    await tx`update ballots set turnout = ${total} where id = ${ballotId}`;
  });
}
