/**
 * Abuse limits: token buckets on the two writes (create a ballot, cast a vote);
 * the cap on live streams is in streams.ts. Buckets live in memory (one
 * process) or in Redis (shared by every process, see rate_limit_redis.ts); the
 * rules are here.
 */

/** A bucket holds up to `capacity` tokens and regains `perSecond` of them every second. */
export interface Bucket {
  capacity: number;
  perSecond: number;
}

/** One request takes a token from every bucket named, or from none. */
export interface BucketClaim {
  key: string;
  bucket: Bucket;
}

export interface Decision {
  allowed: boolean;
  /** Whole seconds until a retry can succeed (0 when allowed). */
  retryAfterS: number;
}

export interface BucketStore {
  take(claims: BucketClaim[]): Promise<Decision>;
}

/** `write`: every other guarded POST (owner actions and the like) unless a route names one. */
export type LimitedAction = "vote" | "create" | "write";

export interface RequestLimits {
  /** Per browser (the CSRF cookie, which every accepted POST carries). */
  session: Bucket;
  /** Per client address: many browsers behind one NAT share it, so it is much larger. */
  address: Bucket;
}

/**
 * A voter votes once per ballot, so 20 in a burst then one every 2 s is far
 * above honest use. 500 people behind one classroom NAT all voting in the same
 * minute fit in the address bucket's burst of 600 alone.
 */
export const DEFAULT_LIMITS: Record<LimitedAction, RequestLimits> = {
  vote: {
    session: { capacity: 20, perSecond: 0.5 },
    address: { capacity: 600, perSecond: 20 },
  },
  create: {
    session: { capacity: 5, perSecond: 1 / 12 },
    address: { capacity: 60, perSecond: 1 },
  },
  write: {
    session: { capacity: 30, perSecond: 1 },
    address: { capacity: 300, perSecond: 10 },
  },
};

/** In-process buckets: exact for one process, and the fallback while Redis is away. */
export class MemoryBuckets implements BucketStore {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #now: () => number;
  readonly #maxKeys: number;

  constructor(options: { now?: () => number; maxKeys?: number } = {}) {
    this.#now = options.now ?? (() => Date.now());
    this.#maxKeys = options.maxKeys ?? 100_000;
  }

  take(claims: BucketClaim[]): Promise<Decision> {
    const now = this.#now();
    let waitMs = 0;
    const levels = claims.map(({ key, bucket }) => {
      const state = this.#buckets.get(key);
      const elapsed = state ? Math.max(0, now - state.at) : 0;
      const tokens = state
        ? Math.min(bucket.capacity, state.tokens + elapsed * bucket.perSecond / 1000)
        : bucket.capacity;
      if (tokens < 1) waitMs = Math.max(waitMs, (1 - tokens) * 1000 / bucket.perSecond);
      return tokens;
    });
    if (waitMs > 0) {
      return Promise.resolve({ allowed: false, retryAfterS: Math.ceil(waitMs / 1000) });
    }
    claims.forEach(({ key }, index) =>
      this.#buckets.set(key, { tokens: levels[index] - 1, at: now })
    );
    if (this.#buckets.size > this.#maxKeys) this.#prune(now, claims);
    return Promise.resolve({ allowed: true, retryAfterS: 0 });
  }

  get size(): number {
    return this.#buckets.size;
  }

  /** Buckets untouched for 10 minutes are full again (every cap refills faster): forget them. */
  #prune(now: number, claims: BucketClaim[]): void {
    const slowest = Math.min(...claims.map(({ bucket }) => bucket.perSecond));
    const idleMs = Math.max(600_000, 1000 / slowest);
    for (const [key, state] of this.#buckets) {
      if (now - state.at > idleMs) this.#buckets.delete(key);
    }
  }
}

export interface RateLimiterOptions {
  store: BucketStore;
  limits?: Partial<Record<LimitedAction, RequestLimits>>;
}

export class RateLimiter {
  readonly #store: BucketStore;
  readonly #limits: Record<LimitedAction, RequestLimits>;

  constructor(options: RateLimiterOptions) {
    this.#store = options.store;
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
  }

  /** `session` is the signed voter id: the server issued it, so a client cannot rotate it freely. */
  async check(action: LimitedAction, who: { session: string; address: string }): Promise<Decision> {
    const limits = this.#limits[action];
    return await this.#store.take([
      { key: `${action}:s:${who.session}`, bucket: limits.session },
      { key: `${action}:a:${who.address}`, bucket: limits.address },
    ]);
  }
}
