/** Command-line options of `deno task bench`. */

export interface BenchOptions {
  smoke: boolean;
  /** Length of each measured phase. */
  durationS: number;
  /** Warm-up before each closed-loop vote measurement. */
  warmupS: number;
  /** Viewer counts of the fan-out phase, one run each. */
  viewers: number[];
  /** Concurrent voters of the throughput phases. */
  voters: number;
  /** Votes per second during the fan-out phase. */
  fanoutRate: number;
  /** Votes inserted directly for the "large" render. */
  renderVotes: number;
  renderRequests: number;
  /** Load generator processes for the throughput phases. */
  generators: number;
  /** Viewers per viewer process. */
  viewersPerProcess: number;
  /** Phases to run (all by default): see PHASES. */
  only?: Set<string>;
  adminUrl: string;
  redisUrl: string;
}

export const PHASES = [
  "http",
  "fanout",
  "votes",
  "pgbench",
  "scaleout",
  "render",
  "modes",
  "kinds",
  "runoff",
  "hostile",
] as const;

const USAGE = `deno task bench [--smoke] [--duration=SECONDS] [--viewers=1000,5000,10000]
  [--voters=64] [--rate=200] [--render-votes=1000000] [--generators=1]
  [--only=http,fanout,votes,pgbench,scaleout,render,modes,kinds,runoff,hostile]
Environment: BENCH_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres),
  REDIS_URL (default redis://127.0.0.1:6379).`;

export function parseOptions(args: string[], env = Deno.env.toObject()): BenchOptions {
  const values = new Map<string, string>();
  for (const arg of args) {
    if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      Deno.exit(0);
    }
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unknown argument ${arg}\n${USAGE}`);
    values.set(match[1], match[2] ?? "true");
  }
  const smoke = values.get("smoke") === "true";
  const number = (name: string, fallback: number) => {
    const raw = values.get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) {
      throw new Error(`--${name} must be a positive number`);
    }
    return value;
  };
  const known = new Set([
    "smoke",
    "duration",
    "warmup",
    "viewers",
    "voters",
    "rate",
    "render-votes",
    "render-requests",
    "generators",
    "viewers-per-process",
    "only",
  ]);
  for (const name of values.keys()) {
    if (!known.has(name)) throw new Error(`unknown option --${name}\n${USAGE}`);
  }
  const viewers = (values.get("viewers") ?? (smoke ? "200" : "1000,5000,10000"))
    .split(",").map((part) => Number(part.trim()));
  if (viewers.some((count) => !Number.isInteger(count) || count <= 0)) {
    throw new Error("--viewers must be a comma-separated list of positive integers");
  }
  const only = values.get("only")?.split(",").map((part) => part.trim());
  for (const phase of only ?? []) {
    if (!(PHASES as readonly string[]).includes(phase)) throw new Error(`unknown phase ${phase}`);
  }
  return {
    smoke,
    durationS: number("duration", smoke ? 3 : 10),
    warmupS: number("warmup", smoke ? 0.3 : 2),
    viewers,
    voters: number("voters", 64),
    fanoutRate: number("rate", 200),
    renderVotes: number("render-votes", smoke ? 10_000 : 1_000_000),
    renderRequests: number("render-requests", smoke ? 100 : 200),
    generators: number("generators", 1),
    viewersPerProcess: number("viewers-per-process", 2_500),
    only: only ? new Set(only) : undefined,
    adminUrl: env.BENCH_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
    redisUrl: env.REDIS_URL || "redis://127.0.0.1:6379",
  };
}
