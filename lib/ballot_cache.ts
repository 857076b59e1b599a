/** Ballot rows are immutable once created, so each process keeps the ones it uses. */
import type { Ballot } from "./ballots.ts";

export class BallotCache {
  #entries = new Map<string, { ballot: Ballot; usedAt: number }>();

  constructor(private readonly capacity = 10_000) {}

  get(id: string): Ballot | undefined {
    const entry = this.#entries.get(id);
    if (entry) entry.usedAt = Date.now();
    return entry?.ballot;
  }

  set(ballot: Ballot): void {
    if (this.#entries.size >= this.capacity) this.#evictOldest();
    this.#entries.set(ballot.id, { ballot, usedAt: Date.now() });
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Drops ballots that ended, and those unused for `idleMs` unless `keep` says otherwise. */
  prune(now: Date, idleMs: number, keep: (id: string) => boolean = () => false): number {
    let pruned = 0;
    for (const [id, entry] of this.#entries) {
      const ended = entry.ballot.endsAt !== null && entry.ballot.endsAt.getTime() <= now.getTime();
      const idle = now.getTime() - entry.usedAt > idleMs;
      if ((ended || idle) && !keep(id)) {
        this.#entries.delete(id);
        pruned++;
      }
    }
    return pruned;
  }

  #evictOldest(): void {
    let oldest: string | undefined;
    let oldestAt = Infinity;
    for (const [id, entry] of this.#entries) {
      if (entry.usedAt < oldestAt) [oldest, oldestAt] = [id, entry.usedAt];
    }
    if (oldest !== undefined) this.#entries.delete(oldest);
  }
}
