/** Latency statistics that several processes can merge: a log-bucketed histogram (1% wide). */

const STEP = Math.log(1.01);

export interface HistogramJson {
  count: number;
  sumMs: number;
  maxMs: number;
  /** bucket index → count */
  buckets: Record<string, number>;
}

export class Histogram {
  #buckets = new Map<number, number>();
  count = 0;
  sumMs = 0;
  maxMs = 0;

  record(ms: number): void {
    const us = Math.max(1, ms * 1000);
    const bucket = Math.floor(Math.log(us) / STEP);
    this.#buckets.set(bucket, (this.#buckets.get(bucket) ?? 0) + 1);
    this.count++;
    this.sumMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  merge(other: HistogramJson): void {
    for (const [bucket, count] of Object.entries(other.buckets)) {
      const key = Number(bucket);
      this.#buckets.set(key, (this.#buckets.get(key) ?? 0) + count);
    }
    this.count += other.count;
    this.sumMs += other.sumMs;
    this.maxMs = Math.max(this.maxMs, other.maxMs);
  }

  /** The value below which `p` percent of the samples fall (bucket midpoint, ±0.5%). */
  percentile(p: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (const bucket of [...this.#buckets.keys()].sort((a, b) => a - b)) {
      seen += this.#buckets.get(bucket)!;
      if (seen >= rank) return Math.min(this.maxMs, Math.exp((bucket + 0.5) * STEP) / 1000);
    }
    return this.maxMs;
  }

  get meanMs(): number {
    return this.count === 0 ? NaN : this.sumMs / this.count;
  }

  toJSON(): HistogramJson {
    return {
      count: this.count,
      sumMs: this.sumMs,
      maxMs: this.maxMs,
      buckets: Object.fromEntries(this.#buckets),
    };
  }

  static from(json: HistogramJson): Histogram {
    const histogram = new Histogram();
    histogram.merge(json);
    return histogram;
  }
}

/** Exact percentile of a list of numbers. */
export function percentileOf(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

export function round(value: number, digits = 1): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
