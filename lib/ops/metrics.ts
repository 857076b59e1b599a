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

/** One Oponn's figures at one moment: its counters and what it holds in memory. */
export interface MetricsSnapshot {
  counters: Record<string, number>;
  gauges: Gauges;
}

/** Several workers' figures as one process's: every counter and gauge summed by name. */
export function sumSnapshots(snapshots: MetricsSnapshot[]): MetricsSnapshot {
  const total: MetricsSnapshot = { counters: {}, gauges: {} };
  for (const snapshot of snapshots) {
    for (const part of ["counters", "gauges"] as const) {
      for (const [name, value] of Object.entries(snapshot[part])) {
        total[part][name] = (total[part][name] ?? 0) + value;
      }
    }
  }
  return total;
}

export function formatPrometheus(snapshot: MetricsSnapshot): string {
  let text = "";
  for (const [name, value] of Object.entries(snapshot.counters)) {
    text += `# TYPE oponn_${name} counter\noponn_${name} ${value}\n`;
  }
  for (const [name, value] of Object.entries(snapshot.gauges)) {
    text += `# TYPE oponn_${name} gauge\noponn_${name} ${value}\n`;
  }
  return text;
}
