import { formatPrometheus } from "../lib/ops/metrics.ts";
import type { Handlers } from "./_context.ts";

/** Prometheus text format: counters plus what this process holds in memory. */
export const handlers: Handlers = {
  GET(c) {
    const { metrics, hub, oponn } = c.var.deps;
    const live = hub.stats();
    const body = formatPrometheus(metrics, {
      sse_viewers: live.viewers,
      live_ballots: live.ballots,
      live_subscriptions: hub.subscriptions(),
      live_timers: live.timers,
      live_flushes: live.flushes,
      cached_ballots: oponn.cache.size,
      vote_batches: oponn.writerStats().batches,
      votes_written: oponn.writerStats().votes,
    });
    return c.text(body, 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
  },
};
