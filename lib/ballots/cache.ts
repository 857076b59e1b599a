/**
 * Each process keeps the ballot rows it uses. A ballot changes only through
 * its owner's actions, which tell every process to drop its copy; a copy
 * missed during a transport outage lives at most one reaper cycle.
 */
import type { Ballot } from "./rules.ts";

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

  delete(id: string): void {
    this.#entries.delete(id);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Drops every ballot that `keep` does not claim; returns how many went. */
  prune(keep: (id: string) => boolean): number {
    let pruned = 0;
    for (const id of this.#entries.keys()) {
      if (!keep(id)) {
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
