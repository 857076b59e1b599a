/**
 * Token buckets in Redis, shared by every process: one Lua script checks every
 * bucket of a request and takes a token from each, or from none, atomically,
 * on Redis's own clock (so the processes' clocks need not agree). While Redis
 * is unreachable the process falls back to its own in-memory buckets: an
 * outage must never refuse an honest vote.
 */
import { Redis } from "ioredis";
import { type BucketClaim, type BucketStore, type Decision, MemoryBuckets } from "./rate_limit.ts";

const PREFIX = "oponn:rl:";

/** KEYS: the buckets; ARGV: capacity and tokens per ms of each. Returns {allowed, wait_ms}. */
export const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local levels = {}
local wait = 0
for i, key in ipairs(KEYS) do
  local cap = tonumber(ARGV[2 * i - 1])
  local rate = tonumber(ARGV[2 * i])
  local state = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = tonumber(state[1])
  local at = tonumber(state[2])
  if tokens == nil or at == nil then
    tokens = cap
  else
    tokens = math.min(cap, tokens + math.max(0, now - at) * rate)
  end
  levels[i] = tokens
  if tokens < 1 then wait = math.max(wait, (1 - tokens) / rate) end
end
if wait > 0 then return {0, math.ceil(wait)} end
for i, key in ipairs(KEYS) do
  local cap = tonumber(ARGV[2 * i - 1])
  local rate = tonumber(ARGV[2 * i])
  redis.call('HSET', key, 'tokens', tostring(levels[i] - 1), 'at', tostring(now))
  redis.call('PEXPIRE', key, math.ceil(cap / rate) + 1000)
end
return {1, 0}
`;

export interface RedisBucketsOptions {
  /** Longest wait for Redis before deciding in memory instead. */
  commandTimeoutMs?: number;
  log?: (message: string) => void;
}

export class RedisBuckets implements BucketStore {
  readonly #redis: Redis;
  readonly #fallback = new MemoryBuckets();
  readonly #log: (message: string) => void;
  #sha?: string;
  #outage = false;
  #closed = false;

  constructor(url: string, options: RedisBucketsOptions = {}) {
    this.#log = options.log ?? ((message) => console.error(message));
    this.#redis = new Redis(url, {
      connectionName: "oponn-rate-limit",
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 500,
      connectTimeout: 2_000,
      retryStrategy: (times) => Math.min(times * 100, 1_000),
    });
    this.#redis.on("error", (error: Error) => this.#down(error));
    this.#redis.on("ready", () => {
      if (this.#outage) this.#log("rate limits: redis available again, buckets shared again");
      this.#outage = false;
    });
  }

  async take(claims: BucketClaim[]): Promise<Decision> {
    const keys = claims.map(({ key }) => PREFIX + key);
    const args = claims.flatMap(({ bucket }) => [
      String(bucket.capacity),
      String(bucket.perSecond / 1000),
    ]);
    try {
      const [allowed, waitMs] = await this.#run(keys, args);
      return { allowed: allowed === 1, retryAfterS: Math.ceil(waitMs / 1000) };
    } catch (error) {
      this.#down(error as Error);
      return await this.#fallback.take(claims);
    }
  }

  /** Resolves once connected (true), or false after `timeoutMs`. */
  async connected(timeoutMs = 5_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.#redis.status !== "ready") {
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return true;
  }

  close(): void {
    this.#closed = true;
    this.#redis.disconnect();
  }

  async #run(keys: string[], args: string[]): Promise<[number, number]> {
    this.#sha ??= await this.#redis.script("LOAD", TAKE_SCRIPT) as string;
    try {
      return await this.#redis.evalsha(this.#sha, keys.length, ...keys, ...args) as [
        number,
        number,
      ];
    } catch (error) {
      if (!String((error as Error).message).startsWith("NOSCRIPT")) throw error;
      // Redis restarted and lost its script cache.
      return await this.#redis.eval(TAKE_SCRIPT, keys.length, ...keys, ...args) as [
        number,
        number,
      ];
    }
  }

  /** One line per outage, not one per request. */
  #down(error: Error): void {
    if (this.#outage || this.#closed) return;
    this.#outage = true;
    this.#log(`rate limits: redis unavailable (${error.message}), limiting per process meanwhile`);
  }
}
