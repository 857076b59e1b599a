/**
 * The live transport across processes: "ballot X changed (version N)" goes
 * through Redis pub/sub. Each process holds one command connection (publish,
 * locks, health) and ONE subscriber connection, subscribed to a ballot's
 * channel only while the local hub has viewers of it.
 */
import { Redis, type RedisOptions } from "ioredis";
import type { LiveTransport, TransportListener } from "./transport.ts";

const PREFIX = "oponn:ballot:";
/** Every process listens here: a ballot's own state changed (owner actions). */
const BALLOTS_CHANNEL = "oponn:ballots";

export function channelOf(ballotId: string): string {
  return PREFIX + ballotId;
}

export interface RedisTransportOptions {
  /** Longest wait for one Redis command before giving up (the vote is already committed). */
  commandTimeoutMs?: number;
  log?: (message: string) => void;
}

export class RedisTransport implements LiveTransport {
  readonly #command: Redis;
  readonly #subscriber: Redis;
  /** The channels the hub wants: the truth we resubscribe from after a reconnect. */
  readonly #channels = new Set<string>();
  #listener?: TransportListener;
  /** Tells this process's own ballot messages apart when Redis echoes them back. */
  readonly #origin = crypto.randomUUID();
  #closed = false;
  #outage = false;
  readonly #log: (message: string) => void;

  constructor(url: string, options: RedisTransportOptions = {}) {
    this.#log = options.log ?? ((message) => console.error(message));
    const common: RedisOptions = {
      // Commands wait for a connection (at start, across a blip) but never long:
      // each gives up after commandTimeout, and the queue is flushed every
      // second failed reconnect, so a dead Redis neither hangs nor piles up.
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs ?? 1_000,
      connectTimeout: 2_000,
      // Reconnect quickly (capped at 1 s) so viewers catch up soon after Redis returns.
      retryStrategy: (times) => Math.min(times * 100, 1_000),
    };
    this.#command = new Redis(url, { ...common, connectionName: "oponn-command" });
    // We resubscribe ourselves on "ready" so the resync read happens after the
    // subscriptions are back, not while they are still in flight.
    this.#subscriber = new Redis(url, {
      ...common,
      connectionName: "oponn-subscriber",
      autoResubscribe: false,
    });
    for (const connection of [this.#command, this.#subscriber]) {
      connection.on("error", (error: Error) => this.#warn(`redis unavailable: ${error.message}`));
    }
    this.#command.on("ready", () => this.#recovered());
    this.#subscriber.on("ready", () => this.#resubscribe());
    this.#subscriber.on("message", (channel: string, message: string) => {
      if (channel === BALLOTS_CHANNEL) {
        const [from, ballotId] = message.split(" ");
        if (from !== this.#origin && ballotId) this.#listener?.ballotChanged(ballotId);
      } else if (channel.startsWith(PREFIX)) this.#listener?.changed(channel.slice(PREFIX.length));
    });
    this.#channels.add(BALLOTS_CHANNEL);
  }

  /** Never rejects; the change is committed. Delivered here at once, the others through Redis. */
  async publishBallot(ballotId: string): Promise<void> {
    this.#listener?.ballotChanged(ballotId);
    try {
      await this.#command.publish(BALLOTS_CHANNEL, `${this.#origin} ${ballotId}`);
    } catch (error) {
      this.#warn(`redis publish failed: ${(error as Error).message}`);
    }
  }

  listen(listener: TransportListener): void {
    this.#listener = listener;
  }

  /** Never rejects: a vote is committed before this runs, and Redis may be down. */
  async publish(ballotId: string, version: number): Promise<void> {
    try {
      await this.#command.publish(channelOf(ballotId), String(version));
    } catch (error) {
      this.#warn(`redis publish failed: ${(error as Error).message}`);
      // Local viewers still get it; others are resynced when Redis is back.
      if (this.#channels.has(channelOf(ballotId))) this.#listener?.changed(ballotId);
    }
  }

  async subscribe(ballotId: string): Promise<void> {
    const channel = channelOf(ballotId);
    this.#channels.add(channel);
    try {
      await this.#subscriber.subscribe(channel);
    } catch {
      // Kept in #channels: subscribed again, and resynced, on the next "ready".
    }
  }

  async unsubscribe(ballotId: string): Promise<void> {
    const channel = channelOf(ballotId);
    if (!this.#channels.delete(channel)) return;
    try {
      await this.#subscriber.unsubscribe(channel);
    } catch {
      // Disconnected: the channel is gone from #channels, so it is not resubscribed.
    }
  }

  /** Ballot channels held (the one for ballot changes is always there and not counted). */
  subscriptions(): number {
    return this.#channels.has(BALLOTS_CHANNEL) ? this.#channels.size - 1 : this.#channels.size;
  }

  /** `SET key NX PX`: true for the one caller across the cluster that gets the key. */
  async claim(key: string, ttlMs: number): Promise<boolean> {
    try {
      return await this.#command.set(key, String(Date.now()), "PX", ttlMs, "NX") === "OK";
    } catch (error) {
      this.#warn(`redis lock failed: ${(error as Error).message}`);
      return false;
    }
  }

  async ping(): Promise<boolean> {
    try {
      return await this.#command.ping() === "PONG";
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#channels.clear();
    this.#command.disconnect();
    this.#subscriber.disconnect();
    return Promise.resolve();
  }

  async #resubscribe(): Promise<void> {
    const channels = [...this.#channels];
    try {
      await this.#subscriber.subscribe(...channels);
    } catch {
      return; // dropped again: the next "ready" retries
    }
    // Messages published while we were away are lost: re-read every watched ballot.
    this.#listener?.resync();
  }

  #recovered(): void {
    if (this.#outage) this.#log("redis available again");
    this.#outage = false;
  }

  /** One line per outage, not one per vote or per reconnect attempt. */
  #warn(message: string): void {
    if (this.#outage || this.#closed) return;
    this.#outage = true;
    this.#log(message);
  }
}
