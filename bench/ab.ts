/**
 * Two checkouts of Oponn side by side on the vote path, for telling a change
 * from the machine's noise: one Oponn process from each (own database, same
 * Redis), then short closed-loop rounds that take the two in turn (order
 * rotated), each with the same voters (bench/voters.ts). Prints each round's
 * votes/s and server CPU per vote, then the medians and the median of the
 * per-round ratios B/A.
 *
 *   deno run -A bench/ab.ts --a=/path/to/old --b=/path/to/new [--rounds=10] [--round-s=3] [--voters=64]
 */
import postgres from "postgres";
import { newBallotId } from "../lib/ballots/rules.ts";
import { insertBallot } from "../lib/stores/ballots.ts";
import type { Sql } from "../lib/stores/database.ts";
import { cpuMs, postgresCpuMs, postgresCpuSince, runToResult, spawnDeno } from "./proc.ts";
import { benchOponnEnv, OPONN_LISTENING, usPer } from "./rounds.ts";
import { Histogram, percentileOf, round } from "./stats.ts";
import type { VotersConfig, VotersResult } from "./voters.ts";

const args = new Map(
  Deno.args.map((arg) => arg.replace(/^--/, "").split("=") as [string, string]),
);
const dirs = { A: args.get("a"), B: args.get("b") };
if (!dirs.A || !dirs.B) {
  console.error("usage: bench/ab.ts --a=DIR --b=DIR [--rounds=10] [--round-s=3] [--voters=64]");
  Deno.exit(2);
}
const rounds = Number(args.get("rounds") ?? 10);
const roundMs = Number(args.get("round-s") ?? 3) * 1000;
const voters = Number(args.get("voters") ?? 64);
// The same environment as `deno task bench` (bench/options.ts).
const adminUrl = Deno.env.get("BENCH_ADMIN_URL") ?? "postgres://postgres@127.0.0.1:5432/postgres";
const redisUrl = Deno.env.get("REDIS_URL") || "redis://127.0.0.1:6379";

const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
const median = (values: number[]) => percentileOf(values, 50);

interface Side {
  name: "A" | "B";
  database: string;
  pid: number;
  url: string;
  ballotId: string;
  votesPerS: number[];
  cpuUs: number[];
  postgresUs: number[];
  p50Ms: number[];
  stop(): Promise<void>;
}

async function start(name: "A" | "B", dir: string): Promise<Side> {
  const database = `oponn_ab_${name.toLowerCase()}_${Deno.pid}`;
  await admin.unsafe(`create database ${database}`);
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${database}`;
  const child = spawnDeno("main.ts", [], {
    cwd: dir,
    manyFiles: true,
    env: benchOponnEnv(dbUrl.href, redisUrl),
  });
  const match = await child.waitFor(OPONN_LISTENING, 120_000);
  const sql = postgres(dbUrl.href, { max: 1, onnotice: () => {} });
  const ballotId = newBallotId();
  // Written by this checkout's store code: both sides' schemas must hold its columns.
  await insertBallot(sql as unknown as Sql, ballotId, {
    measure: "a/b",
    options: ["yes", "no"],
    allowWriteIn: false,
    startsAt: new Date(Date.now() - 60_000),
    endsAt: null,
    duplicateCheck: "none",
    listing: "listed",
    resultsVisibility: "always",
    ownerVoter: null,
    manageKeyHash: "not-a-real-hash",
    codeHashes: [],
  });
  await sql.end();
  return {
    name,
    database,
    pid: child.pid,
    url: match[1],
    ballotId,
    votesPerS: [],
    cpuUs: [],
    postgresUs: [],
    p50Ms: [],
    async stop() {
      await child.stop();
      await admin.unsafe(`drop database ${database} with (force)`);
    },
  };
}

async function measureRound(side: Side): Promise<void> {
  const config: VotersConfig = {
    targets: [side.url],
    path: `/vote/${side.ballotId}`,
    option: "yes",
    connections: voters,
    warmupMs: 500,
    durationMs: roundMs,
    setup: true,
  };
  const before = cpuMs(side.pid);
  const postgresBefore = postgresCpuMs();
  const result = await runToResult<VotersResult>("bench/voters.ts", config, roundMs + 60_000);
  const used = cpuMs(side.pid) - before;
  const postgresUsed = postgresCpuSince(postgresBefore);
  if (result.errors > 0) {
    throw new Error(`${side.name}: ${result.errors} errors: ${result.errorSamples[0]}`);
  }
  side.votesPerS.push(round(result.ok / (result.windowMs / 1000), 0));
  side.cpuUs.push(usPer(used, result.okTotal));
  side.postgresUs.push(usPer(postgresUsed, result.okTotal));
  side.p50Ms.push(round(Histogram.from(result.latency).percentile(50), 2));
}

/** votes/s, p50 and CPU per vote (Oponn, Postgres) of one side, one round's or the medians. */
function describe(side: Side, pick: (values: number[]) => number): string {
  return `${side.name} ${pick(side.votesPerS)} votes/s, p50 ${pick(side.p50Ms)} ms, ` +
    `CPU/vote ${pick(side.cpuUs)} µs + Postgres ${pick(side.postgresUs)}`;
}

const sides = [await start("A", dirs.A), await start("B", dirs.B)];
try {
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) await measureRound(side);
    const [a, b] = sides;
    console.log(
      `round ${r + 1}: B/A ${(b.votesPerS.at(-1)! / a.votesPerS.at(-1)!).toFixed(2)}; ` +
        `${describe(a, (values) => values.at(-1)!)}; ${describe(b, (values) => values.at(-1)!)}`,
    );
  }
  const [a, b] = sides;
  const ratios = a.votesPerS.map((value, index) => b.votesPerS[index] / value);
  console.log(
    `medians: B/A ${median(ratios).toFixed(2)} (rounds ${
      ratios.map((x) => x.toFixed(2)).join(" ")
    }); ${describe(a, median)}; ${describe(b, median)}`,
  );
} finally {
  for (const side of sides) await side.stop();
  await admin.end();
}
