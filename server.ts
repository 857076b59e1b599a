/** Builds a whole Oponn from a Config: database, vote writer, live hub, app. */
import { renderToString } from "preact-render-to-string";
import { createApp } from "./app.ts";
import { CastButton } from "./components/CastButton.tsx";
import { ResultsBlock } from "./components/ResultsBlock.tsx";
import { Status } from "./components/Status.tsx";
import type { Config } from "./lib/config.ts";
import { LiveHub, type RenderSnapshot } from "./lib/live/hub.ts";
import { snapshotRenderer } from "./lib/live/snapshots.ts";
import { VotedBallots } from "./lib/identity/voted.ts";
import { InProcessTransport, type LiveTransport } from "./lib/live/transport.ts";
import { guardStore, STORE_TIMEOUT_MS, surviveClosedSocketWrites } from "./lib/errors.ts";
import { Metrics, type MetricsSnapshot } from "./lib/ops/metrics.ts";
import { Oponn } from "./lib/oponn.ts";
import {
  type LimitedAction,
  MemoryBuckets,
  RateLimiter,
  type RequestLimits,
} from "./lib/limits/rate_limit.ts";
import { type StreamCaps, streamCapsFor, StreamLimiter } from "./lib/limits/streams.ts";
import { ConnectionGuard, guardFetch } from "./lib/limits/connections.ts";
import {
  deriveBudget,
  type DescriptorBudget,
  readDescriptorLimit,
  serveWorkers,
} from "./lib/limits/descriptors.ts";
import { RedisBuckets } from "./lib/limits/redis_buckets.ts";
import { AddressResolver } from "./lib/limits/addresses.ts";
import { VoterIdentity } from "./lib/identity/voter.ts";
import { reap, scheduleReaper } from "./lib/ops/reaper.ts";
import { RedisTransport } from "./lib/live/redis_transport.ts";
import { loadStaticAssets } from "./lib/assets/static.ts";
import { openDatabase } from "./lib/stores/database.ts";
import { recordVotes } from "./lib/stores/votes.ts";
import { TransitionAnnouncer } from "./lib/ballots/transitions.ts";
import { type RecordBatch, VoteWriter } from "./lib/votes/writer.ts";
import { MAX_WRITE_INS } from "./lib/votes/rules.ts";
import type { AppDeps } from "./routes/_context.ts";
import { WorkerMetrics } from "./lib/ops/worker_metrics.ts";
import { forgetOldVoteKeys } from "./lib/stores/vote_keys.ts";

export interface OponnServer {
  fetch: (request: Request, info?: Deno.ServeHandlerInfo) => Response | Promise<Response>;
  deps: AppDeps;
  /** Runs one reaper cycle now (the cron does this every minute). */
  reap(): ReturnType<typeof reap>;
  /**
   * Starts draining (SIGTERM): /readyz answers 503, live streams end (their
   * clients reconnect, to another process behind nginx) and new ones are
   * refused with 503, and every response carries `Connection: close`, so that
   * keep-alive clients and nginx stop reusing connections to this process.
   * Votes are still taken and recorded meanwhile. Resolves once the streams ended.
   */
  drain(): Promise<void>;
  /** Drains, waits for requests and votes in flight, then closes connections. */
  close(): Promise<void>;
  startedInMs: number;
  /** The caps derived from the descriptor limit, for the start-up line. */
  budget: DescriptorBudget;
}

export interface BuildOptions {
  /** Register the every-minute Deno.cron reaper (off in tests that run several servers). */
  cron?: boolean;
  /** Live stream timings (tests shorten the 15 s keep-alive). */
  live?: { keepAliveMs?: number; flushIntervalMs?: number };
  /** Under `deno serve --parallel`: `/metrics` answers for every worker of the process. */
  sumWorkerMetrics?: boolean;
  /** Abuse limits other than the defaults (tests use small caps). */
  limits?: {
    requests?: Partial<Record<LimitedAction, RequestLimits>>;
    streams?: StreamCaps;
    /** Instead of the soft limit in /proc/self/limits. */
    descriptorLimit?: number;
    bodyTimeoutMs?: number;
  };
  /**
   * Records each batch instead of the database's vote statement. Only the
   * bench sets it (bench/oponn_unwritten.ts: every vote answered at once and
   * stored nowhere, for what the HTTP path allows without a database).
   */
  recordVotes?: RecordBatch;
}

/** A body sent in part is answered 408 after this (nginx in front allows 10 s between reads). */
const BODY_TIMEOUT_MS = 15_000;

/** What the live hub sends for a ballot: read through `oponn`, rendered by the page's components. */
export function liveRenderer(oponn: Oponn): RenderSnapshot {
  return snapshotRenderer(
    {
      getBallot: (id) => oponn.getBallot(id),
      readTally: (id) => oponn.readTally(id),
      readTurnout: (id) => oponn.manager.turnout(id),
      now: oponn.now,
    },
    {
      results: (ballot, tally, turnout) =>
        renderToString(ResultsBlock({ ballot, tally, turnout, now: oponn.now() })),
      hidden: (ballot, turnout, hiddenReason) =>
        renderToString(ResultsBlock({ ballot, turnout, hiddenReason, now: oponn.now() })),
      status: (ballot, now) => renderToString(Status({ ballot, now })),
      cast: (active) => renderToString(CastButton({ active })),
    },
  );
}

export async function buildOponn(config: Config, options: BuildOptions = {}): Promise<OponnServer> {
  const started = performance.now();
  surviveClosedSocketWrites();
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  const redis = config.redisUrl ? new RedisTransport(config.redisUrl) : undefined;
  const transport: LiveTransport = redis ?? new InProcessTransport();
  // The hub's view of the transport: ending the streams (hub.close) leaves it
  // open, so that votes acknowledged while draining still reach the viewers of
  // other processes; close() closes it once the writer has drained.
  const hubTransport: LiveTransport = {
    listen: (listener) => transport.listen(listener),
    publish: (ballotId, version) => transport.publish(ballotId, version),
    publishBallot: (ballotId) => transport.publishBallot(ballotId),
    subscribe: (ballotId) => transport.subscribe(ballotId),
    unsubscribe: (ballotId) => transport.unsubscribe(ballotId),
    subscriptions: () => transport.subscriptions(),
    close: () => Promise.resolve(),
  };
  const record: RecordBatch = options.recordVotes ??
    ((votes) => recordVotes(db.writerSql, votes, MAX_WRITE_INS));
  const writer = new VoteWriter(record, {
    // One transaction at a time: votes for a popular option all wait on that
    // option's counter row, so parallel batches only serialise in Postgres while
    // each costs its own round trip and commit. One batch in flight lets the
    // next one grow (about 25 votes instead of 9 at 64 voters): measured by
    // `deno task bench`, 1 in flight did 9,700 votes/s where 4 did 6,600.
    concurrency: 1,
    maxBatch: 500,
    deadlineMs: STORE_TIMEOUT_MS,
    onCommitted: (ballotIds) => {
      for (const ballotId of ballotIds) {
        hub.publish(ballotId, 0).catch((error) => console.error("live publish failed:", error));
      }
    },
  });
  const oponn = new Oponn({
    sql: db.sql,
    writer,
    secret: config.secret,
    ballotChanged: (ballotId) => hub.publishBallot(ballotId),
  });

  const render = liveRenderer(oponn);
  const hub = new LiveHub({
    render,
    transport: hubTransport,
    onBallotChanged: (ballotId) => oponn.cache.delete(ballotId),
    onResync: () => oponn.cache.clear(),
    ...options.live,
  });

  let draining = false;
  const metrics = new Metrics();
  const assets = await loadStaticAssets();
  const budget = deriveBudget(
    options.limits?.descriptorLimit ?? readDescriptorLimit().limit,
    serveWorkers(),
  );
  const streams = new StreamLimiter(
    options.limits?.streams ?? streamCapsFor(budget, { perAddress: config.rateLimit }),
  );
  const buckets = config.rateLimit
    ? (config.redisUrl ? new RedisBuckets(config.redisUrl) : new MemoryBuckets())
    : undefined;
  const localMetrics = (): MetricsSnapshot => {
    const live = hub.stats();
    const written = oponn.writerStats();
    return {
      counters: { ...metrics.counters },
      gauges: {
        sse_viewers: live.viewers,
        live_ballots: live.ballots,
        live_subscriptions: hub.subscriptions(),
        live_timers: live.timers,
        live_flushes: live.flushes,
        cached_ballots: oponn.cache.size,
        vote_batches: written.batches,
        votes_written: written.votes,
      },
    };
  };
  const workerMetrics = new WorkerMetrics(
    options.sumWorkerMetrics ? budget.workers : 1,
    localMetrics,
  );
  const deps: AppDeps = {
    config,
    oponn,
    hub,
    metrics,
    identity: new VoterIdentity(config.secret),
    voted: new VotedBallots(config.secret),
    addresses: new AddressResolver(config.trustedProxies, config.metricsAllow),
    assets: {
      css: assets.get("/static/app.css")!.href,
      htmx: assets.get("/vendor/htmx.min.js")!.href,
      sse: assets.get("/vendor/sse.min.js")!.href,
      app: assets.get("/islands/app.js")!.href,
    },
    async ready() {
      try {
        await guardStore(() => db.sql`select 1`, 2_000);
        return redis ? await redis.ping() : true;
      } catch {
        return false;
      }
    },
    draining: () => draining,
    readMetrics: () => workerMetrics.collect(),
    limits: {
      requests: buckets && new RateLimiter({ store: buckets, limits: options.limits?.requests }),
      // The per-process cap always holds; the per-address one goes with OPONN_RATE_LIMIT.
      streams,
    },
  };
  const app = await createApp(deps, assets);
  const announcer = new TransitionAnnouncer({
    sql: db.sql,
    publish: (ballotId) => hub.publish(ballotId, 0),
    claim: redis && ((key, ttlMs) => redis.claim(key, ttlMs)),
    now: oponn.now,
  });
  const reapDeps = {
    hub,
    cache: oponn.cache,
    announce: () => announcer.run(),
    forgetVoteKeys: () => forgetOldVoteKeys(db.sql),
  };
  if (options.cron) scheduleReaper(reapDeps);

  // Requests being answered: a graceful stop waits for them before closing the database.
  let inFlight = 0;
  let idle: (() => void)[] = [];
  const guarded = guardFetch(app.fetch, {
    guard: new ConnectionGuard({
      perWorker: budget.perWorker.connections,
      ceiling: budget.ceiling,
      openStreams: () => streams.openStreams,
    }),
    bodyTimeoutMs: options.limits?.bodyTimeoutMs ?? BODY_TIMEOUT_MS,
  });
  const answered = () => {
    if (--inFlight === 0) idle.splice(0).forEach((resolve) => resolve());
  };
  const fetch = (request: Request, info?: Deno.ServeHandlerInfo): Promise<Response> => {
    inFlight++;
    return guarded.fetch(request, info).then((response) => {
      answered();
      return draining ? closingConnection(response) : response;
    }, (error) => {
      answered();
      throw error;
    });
  };
  const quiet = (timeoutMs: number) =>
    inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });

  let streamsEnded: Promise<void> | undefined;
  const drain = () => {
    draining = true;
    return (streamsEnded ??= hub.close());
  };

  return {
    fetch,
    deps,
    reap: () => reap(reapDeps),
    drain,
    async close() {
      await drain();
      await quiet(8_000);
      idle = [];
      guarded.close();
      await writer.drained();
      writer.close();
      await transport.close();
      await db.close();
      if (buckets instanceof RedisBuckets) buckets.close();
      workerMetrics.close();
    },
    startedInMs: Math.round(performance.now() - started),
    budget,
  };
}

/** The response, asking the client to close the connection after it. */
function closingConnection(response: Response): Response {
  try {
    response.headers.set("Connection", "close");
    return response;
  } catch {
    // Immutable headers (a Response.redirect or a fetched response): a copy.
    const copy = new Response(response.body, response);
    copy.headers.set("Connection", "close");
    return copy;
  }
}
