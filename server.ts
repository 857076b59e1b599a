/** Builds a whole Oponn from a Config: database, vote writer, live hub, app. */
import { renderToString } from "preact-render-to-string";
import { createApp } from "./app.ts";
import { CastButton } from "./components/CastButton.tsx";
import { Results } from "./components/Results.tsx";
import { Status } from "./components/Status.tsx";
import { nextTransition, statusOf } from "./lib/ballots.ts";
import type { Config } from "./lib/config.ts";
import { LiveHub, type LiveSnapshot } from "./lib/live.ts";
import { InProcessTransport, type LiveTransport } from "./lib/live_transport.ts";
import { Metrics } from "./lib/metrics.ts";
import { Oponn } from "./lib/oponn.ts";
import { reap, scheduleReaper } from "./lib/reaper.ts";
import { loadStaticAssets } from "./lib/static_assets.ts";
import { openDatabase } from "./lib/stores/database.ts";
import { recordVotes } from "./lib/stores/votes.ts";
import { VoteWriter } from "./lib/vote_writer.ts";
import type { AppDeps } from "./routes/_context.ts";

export interface OponnServer {
  fetch: (request: Request) => Response | Promise<Response>;
  deps: AppDeps;
  /** Runs one reaper cycle now (the cron does this every minute). */
  reap(): ReturnType<typeof reap>;
  /** Stops taking streams, ends them, waits for votes in flight, closes connections. */
  close(): Promise<void>;
  startedInMs: number;
}

export interface BuildOptions {
  /** Register the every-minute Deno.cron reaper (off in tests that run several servers). */
  cron?: boolean;
  /** Live stream timings (tests shorten the 15 s keep-alive). */
  live?: { keepAliveMs?: number; flushIntervalMs?: number };
}

export async function buildOponn(config: Config, options: BuildOptions = {}): Promise<OponnServer> {
  const started = performance.now();
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  const transport: LiveTransport = new InProcessTransport();
  const writer = new VoteWriter((votes) => recordVotes(db.sql, votes), {
    concurrency: Math.max(1, Math.min(4, db.poolSize - 2)),
    maxBatch: 500,
    onCommitted: (ballotIds) => {
      for (const ballotId of ballotIds) {
        hub.publish(ballotId, 0).catch((error) => console.error("live publish failed:", error));
      }
    },
  });
  const oponn = new Oponn({ sql: db.sql, writer });

  const render = async (ballotId: string): Promise<LiveSnapshot | null> => {
    const ballot = await oponn.getBallot(ballotId);
    if (!ballot) return null;
    const tally = await oponn.readTally(ballotId);
    const now = oponn.now();
    const status = statusOf(ballot, now);
    return {
      version: tally.total,
      results: renderToString(Results({ tally })),
      statusKey: status,
      status: renderToString(Status({ ballot, now })),
      cast: renderToString(CastButton({ active: status === "active" })),
      nextChangeAt: nextTransition(ballot, now),
    };
  };
  const hub = new LiveHub({ render, transport, ...options.live });

  let draining = false;
  const metrics = new Metrics();
  const assets = await loadStaticAssets();
  const deps: AppDeps = {
    config,
    oponn,
    hub,
    metrics,
    assets: {
      css: assets.get("/static/app.css")!.href,
      htmx: assets.get("/vendor/htmx.min.js")!.href,
      sse: assets.get("/vendor/sse.min.js")!.href,
      app: assets.get("/islands/app.js")!.href,
    },
    async ready() {
      try {
        await db.sql`select 1`;
        return true;
      } catch {
        return false;
      }
    },
    draining: () => draining,
  };
  const app = await createApp(deps, assets);
  const reapDeps = { hub, cache: oponn.cache, now: oponn.now };
  if (options.cron) scheduleReaper(reapDeps);

  return {
    fetch: app.fetch,
    deps,
    reap: () => reap(reapDeps),
    async close() {
      draining = true;
      await hub.close();
      await writer.drained();
      await db.close();
    },
    startedInMs: Math.round(performance.now() - started),
  };
}
