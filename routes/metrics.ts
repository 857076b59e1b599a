import { formatPrometheus } from "../lib/ops/metrics.ts";
import type { Handlers } from "./_context.ts";
import { clientAddress } from "./_guards.ts";
import notFound from "./_404.tsx";

/**
 * Prometheus text format: counters plus what this process holds in memory. For
 * operators only: loopback or OPONN_METRICS_ALLOW; anyone else sees a 404.
 */
export const handlers: Handlers = {
  GET(c) {
    const { metrics, hub, oponn, addresses } = c.get("deps");
    if (!addresses.mayReadMetrics(clientAddress(c))) return notFound(c);
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
