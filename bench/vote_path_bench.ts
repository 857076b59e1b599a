/**
 * Micro-benchmarks of the vote path's JavaScript, without sockets or a
 * database: the whole app answering a vote POST (middleware, CSRF, form,
 * rules, writer hand-off), and the same with a writer that answers at once.
 *
 *   deno bench -A bench/vote_path_bench.ts
 *
 * `OL=0` builds the app without the vote POST's one-layer path
 * (routes/_one_layer.ts), to compare the two; `LOOP_WARMUP` sets the votes
 * the `loop` mode runs before it measures (20,000).
 */
import process from "node:process";
import { createApp } from "../app.ts";
import type { Ballot } from "../lib/ballots/rules.ts";
import { loadConfig } from "../lib/config.ts";
import { LiveHub } from "../lib/live/hub.ts";
import { InProcessTransport } from "../lib/live/transport.ts";
import { Metrics } from "../lib/ops/metrics.ts";
import { Oponn } from "../lib/oponn.ts";
import { DEFAULT_STREAM_CAPS, StreamLimiter } from "../lib/limits/streams.ts";
import { loadStaticAssets } from "../lib/assets/static.ts";
import type { Sql } from "../lib/stores/database.ts";
import { recordVotes } from "../lib/stores/votes.ts";
import { VoteWriter } from "../lib/votes/writer.ts";
import type { AppDeps } from "../routes/_context.ts";
import { VoterIdentity } from "../lib/identity/voter.ts";
import { VotedBallots } from "../lib/identity/voted.ts";
import { AddressResolver } from "../lib/limits/addresses.ts";
import { MAX_WRITE_INS } from "../lib/votes/rules.ts";

const ballot: Ballot = {
  id: "BenchBenchBench1",
  measure: "bench",
  options: ["yes", "no"],
  allowWriteIn: false,
  startsAt: new Date(Date.now() - 60_000),
  endsAt: null,
  duplicateCheck: "none",
  resultsVisibility: "always",
  listing: "listed",
} as Ballot;

const config = { ...loadConfig({ OPONN_ENV: "test" }), rateLimit: false };
const writer = new VoteWriter((votes) => Promise.resolve(votes.map(() => "recorded" as const)), {
  concurrency: 4,
  maxBatch: 500,
});
const oponn = new Oponn({ sql: undefined as unknown as Sql, writer, secret: config.secret });
oponn.cache.set(ballot);
const assets = await loadStaticAssets();
const deps: AppDeps = {
  config,
  oponn,
  hub: new LiveHub({ render: () => Promise.resolve(null), transport: new InProcessTransport() }),
  metrics: new Metrics(),
  identity: new VoterIdentity(config.secret),
  voted: new VotedBallots(config.secret),
  addresses: new AddressResolver([]),
  assets: {
    css: assets.get("/static/app.css")!.href,
    htmx: assets.get("/vendor/htmx.min.js")!.href,
    sse: assets.get("/vendor/sse.min.js")!.href,
    app: assets.get("/islands/app.js")!.href,
  },
  ready: () => Promise.resolve(true),
  draining: () => false,
  readMetrics: () => Promise.reject(new Error("no /metrics in this bench")),
  limits: { streams: new StreamLimiter({ ...DEFAULT_STREAM_CAPS, perAddress: Infinity }) },
};
const app = await createApp(deps, assets, { oneLayer: Deno.env.get("OL") !== "0" });

/**
 * `loop N new`: every vote from a new browser, whose cookie and token the
 * server has not seen (made by another instance; the loop's figure then
 * includes those two signatures, about 3 µs).
 */
const newBrowsers = Deno.args[0] === "loop" && Deno.args[2] === "new";
const browsers = new VoterIdentity(config.secret);
const returning = browsers.mint();

function voteRequest(): Request {
  const voter = newBrowsers ? browsers.mint() : returning;
  const token = browsers.csrfToken(voter.voterId);
  const body = `X-CSRF-Token=${token}&option=yes`;
  const headers = {
    host: "127.0.0.1:8000",
    "user-agent": "oponn-bench",
    accept: "*/*",
    origin: "http://127.0.0.1:8000",
    "content-type": "application/x-www-form-urlencoded",
    "hx-request": "true",
    "hx-current-url": `http://127.0.0.1:8000/vote/${ballot.id}`,
    "hx-target": "vote-form",
    cookie: `oponn_voter=${voter.cookie}`,
    "x-csrf-token": token,
    "content-length": String(new TextEncoder().encode(body).length),
  };
  return new Request(`http://127.0.0.1:8000/vote/${ballot.id}`, {
    method: "POST",
    headers,
    body,
  });
}

/** Wall time and this process's CPU time (all threads, GC included) per vote, in µs. */
export async function loop(n: number): Promise<{ wallUs: number; cpuUs: number }> {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const response = await app.fetch(voteRequest());
    if (response.status !== 204) throw new Error(`HTTP ${response.status}`);
  }
  const cpu = process.cpuUsage(cpuBefore);
  return { wallUs: (performance.now() - started) * 1000 / n, cpuUs: (cpu.user + cpu.system) / n };
}

// deno run -A bench/vote_path_bench.ts loop [N] [new]
if (Deno.args[0] === "loop") {
  await loop(Number(Deno.env.get("LOOP_WARMUP") ?? 20_000));
  const { wallUs, cpuUs } = await loop(Number(Deno.args[1] ?? 200_000));
  console.log(`${wallUs.toFixed(1)} µs per vote, ${cpuUs.toFixed(1)} µs CPU per vote`);
  Deno.exit(0);
}

Deno.bench("Request construction only (baseline)", () => {
  voteRequest();
});

Deno.bench("POST /vote through the app (writer answers at once)", async () => {
  const response = await app.fetch(voteRequest());
  if (response.status !== 204) throw new Error(`HTTP ${response.status}`);
});

const fakeSql =
  (() => Promise.resolve([{ outcomes: Array(16).fill("recorded").join(",") }])) as unknown;
Deno.bench("recordVotes argument building, 16 votes (no database)", async () => {
  await recordVotes(
    fakeSql as Sql,
    Array.from({ length: 16 }, () => ({
      ballotId: ballot.id,
      label: "yes",
      key: "yes",
      writeIn: false,
    })),
    MAX_WRITE_INS,
  );
});
