/** The reaper: frees what a process holds for ballots nobody watches or that ended. */
import type { BallotCache } from "../ballots/cache.ts";
import type { LiveHub } from "../live/hub.ts";

export interface ReapDeps {
  hub: LiveHub;
  cache: BallotCache;
  /** Announces ballots that opened or closed since the last cycle (cron only). */
  announce?: () => Promise<unknown>;
  /** Deletes vote idempotency keys past their time (cron only). */
  forgetVoteKeys?: () => Promise<unknown>;
}

export interface ReapReport {
  liveStates: number;
  cachedBallots: number;
}

/**
 * Cached ballot rows are kept only for ballots someone watches here: a ballot
 * voted on without viewers is re-read at most once per cycle, which is cheap.
 */
export function reap(deps: ReapDeps): ReapReport {
  return {
    liveStates: deps.hub.prune(),
    cachedBallots: deps.cache.prune((id) => deps.hub.viewersOf(id) > 0),
  };
}

/** Every minute, in each process (each `deno serve --parallel` worker has its own memory). */
export function scheduleReaper(deps: ReapDeps, name = "oponn-reaper"): void {
  Deno.cron(name, "* * * * *", async () => {
    reap(deps);
    await deps.announce?.().catch((error) => console.error("reaper announce failed:", error));
    await deps.forgetVoteKeys?.().catch((error) =>
      console.error("reaper could not delete old vote keys:", error)
    );
  });
}
