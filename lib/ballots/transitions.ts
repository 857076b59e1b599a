/**
 * Announces that ballots opened or closed, once per transition across the
 * cluster. Processes with viewers already flip at the exact instant (the hub
 * arms a timer); this is the reaper's backstop, e.g. for a process whose timer
 * was clamped or that was paused when the instant passed.
 */
import type { Sql } from "../stores/database.ts";
import { findTransitions } from "../stores/transitions.ts";

export interface AnnouncerDeps {
  sql: Sql;
  /** Tells every process's viewers that the ballot changed. */
  publish(ballotId: string): Promise<void>;
  /** A cluster-wide once-only claim (Redis `SET NX PX`); absent when there is one process. */
  claim?: (key: string, ttlMs: number) => Promise<boolean>;
  now?: () => Date;
}

/** Longer than any window between two runs, so a late run does not announce twice. */
const CLAIM_TTL_MS = 10 * 60_000;

export class TransitionAnnouncer {
  #since: Date;
  readonly #deps: AnnouncerDeps;

  constructor(deps: AnnouncerDeps, firstWindowMs = 60_000) {
    this.#deps = deps;
    this.#since = new Date(this.#now().getTime() - firstWindowMs);
  }

  /** Announces the transitions since the last run; returns how many this process announced. */
  async run(): Promise<number> {
    const until = this.#now();
    const transitions = await findTransitions(this.#deps.sql, this.#since, until);
    this.#since = until;
    let announced = 0;
    for (const { ballotId, kind } of transitions) {
      const key = `oponn:transition:${ballotId}:${kind}`;
      if (this.#deps.claim && !await this.#deps.claim(key, CLAIM_TTL_MS)) continue;
      await this.#deps.publish(ballotId);
      announced++;
    }
    return announced;
  }

  #now(): Date {
    return this.#deps.now?.() ?? new Date();
  }
}
