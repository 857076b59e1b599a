/** How "ballot X changed" travels between the processes that serve viewers. */

export interface TransportListener {
  /** A ballot with local viewers changed somewhere. */
  changed(ballotId: string): void;
  /** A ballot's own state changed (closed, re-timed, published, deleted): every process hears it. */
  ballotChanged(ballotId: string): void;
  /** Messages may have been lost (e.g. after a reconnect): re-read everything watched. */
  resync(): void;
}

export interface LiveTransport {
  listen(listener: TransportListener): void;
  publish(ballotId: string, version: number): Promise<void>;
  /** To every process, whether or not it has viewers of the ballot. */
  publishBallot(ballotId: string): Promise<void>;
  /** Called when the process gets its first local viewer of a ballot. */
  subscribe(ballotId: string): Promise<void>;
  /** Called when the last local viewer leaves. */
  unsubscribe(ballotId: string): Promise<void>;
  subscriptions(): number;
  close(): Promise<void>;
}

/** One process: a change is delivered straight back to the local hub. */
export class InProcessTransport implements LiveTransport {
  #listener?: TransportListener;
  #subscribed = new Set<string>();

  listen(listener: TransportListener): void {
    this.#listener = listener;
  }

  publish(ballotId: string): Promise<void> {
    if (this.#subscribed.has(ballotId)) this.#listener?.changed(ballotId);
    return Promise.resolve();
  }

  publishBallot(ballotId: string): Promise<void> {
    this.#listener?.ballotChanged(ballotId);
    return Promise.resolve();
  }

  subscribe(ballotId: string): Promise<void> {
    this.#subscribed.add(ballotId);
    return Promise.resolve();
  }

  unsubscribe(ballotId: string): Promise<void> {
    this.#subscribed.delete(ballotId);
    return Promise.resolve();
  }

  subscriptions(): number {
    return this.#subscribed.size;
  }

  close(): Promise<void> {
    this.#subscribed.clear();
    return Promise.resolve();
  }
}
