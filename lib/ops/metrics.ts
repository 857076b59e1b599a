/** Process counters, exposed in Prometheus text format by `GET /metrics`. */

export class Metrics {
  readonly counters = {
    votes_accepted_total: 0,
    votes_refused_total: 0,
    ballots_created_total: 0,
    sse_connections_total: 0,
    sse_dropped_slow_total: 0,
    http_errors_total: 0,
    votes_rate_limited_total: 0,
    creates_rate_limited_total: 0,
    writes_rate_limited_total: 0,
    sse_refused_total: 0,
  };

  inc(name: keyof Metrics["counters"], by = 1): void {
    this.counters[name] += by;
  }
}

export type Gauges = Record<string, number>;

export function formatPrometheus(metrics: Metrics, gauges: Gauges): string {
  let text = "";
  for (const [name, value] of Object.entries(metrics.counters)) {
    text += `# TYPE oponn_${name} counter\noponn_${name} ${value}\n`;
  }
  for (const [name, value] of Object.entries(gauges)) {
    text += `# TYPE oponn_${name} gauge\noponn_${name} ${value}\n`;
  }
  return text;
}
