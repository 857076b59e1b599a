import { formatPrometheus } from "../lib/ops/metrics.ts";
import type { Handlers } from "./_context.ts";
import { clientAddress } from "./_guards.ts";
import notFound from "./_404.tsx";

/**
 * Prometheus text format: counters plus what the process holds in memory, every
 * `deno serve` worker's summed (`oponn_workers_reporting` of `oponn_workers`).
 * For operators only: loopback or OPONN_METRICS_ALLOW; anyone else sees a 404.
 */
export const handlers: Handlers = {
  async GET(c) {
    const { addresses, readMetrics } = c.get("deps");
    if (!addresses.mayReadMetrics(clientAddress(c))) return notFound(c);
    const { snapshot, workers, reporting } = await readMetrics();
    snapshot.gauges.workers = workers;
    snapshot.gauges.workers_reporting = reporting;
    return c.text(formatPrometheus(snapshot), 200, {
      "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
    });
  },
};
