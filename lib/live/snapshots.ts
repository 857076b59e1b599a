/**
 * Building a ballot's live snapshot: one read of the ballot, its tally and its
 * turnout, then the shared parts once and the results once per audience. The
 * HTML comes from the views the composition root passes in (lib/ never
 * imports components).
 */
import { nextTransition, statusOf } from "../ballots/rules.ts";
import type { Ballot } from "../ballots/types.ts";
import type { Tally } from "../results/tally.ts";
import { publicVisibility } from "../results/visibility.ts";
import { apiEventData } from "../api/live.ts";
import type { LiveSnapshot } from "./hub.ts";

export interface Turnout {
  cast: number;
  codesIssued: number;
}

export interface SnapshotViews {
  results(ballot: Ballot, tally: Tally, turnout: Turnout): string;
  hidden(ballot: Ballot, turnout: Turnout, reason: string): string;
  status(ballot: Ballot, now: Date): string;
  cast(active: boolean): string;
}

export interface SnapshotSources {
  getBallot(id: string): Promise<Ballot | null>;
  readTally(id: string): Promise<Tally>;
  readTurnout(id: string): Promise<Turnout | null>;
  now(): Date;
}

export function snapshotRenderer(sources: SnapshotSources, views: SnapshotViews) {
  return async (ballotId: string): Promise<LiveSnapshot | null> => {
    const ballot = await sources.getBallot(ballotId);
    if (!ballot) return null;
    const now = sources.now();
    const visibility = publicVisibility(ballot, now);
    const [tally, turnout] = await Promise.all([
      sources.readTally(ballotId),
      sources.readTurnout(ballotId),
    ]);
    if (!turnout) return null;
    const status = statusOf(ballot, now);
    const shown = views.results(ballot, tally, turnout);
    const hidden = visibility.shown ? undefined : views.hidden(ballot, turnout, visibility.reason);
    const api = apiEventData(ballot, tally, turnout, now);
    return {
      audiences: {
        shown: { version: versionOf(shown), results: shown },
        hidden: hidden === undefined ? undefined : { version: versionOf(hidden), results: hidden },
        api: { version: versionOf(api.results), ...api },
      },
      statusKey: status,
      status: views.status(ballot, now),
      cast: views.cast(status === "active"),
      nextChangeAt: nextTransition(ballot, now),
    };
  };
}

/**
 * The SSE id: a hash of exactly what that audience is shown, so it reveals
 * nothing the page does not, and a reconnecting viewer who already has it is
 * sent nothing new.
 */
export function versionOf(html: string): string {
  let hash = 0x811c9dc5;
  let high = 0x01000193;
  for (let index = 0; index < html.length; index++) {
    const code = html.charCodeAt(index);
    hash = Math.imul(hash ^ code, 0x01000193) >>> 0;
    high = Math.imul(high ^ code, 0x5bd1e995) >>> 0;
  }
  return high.toString(36) + hash.toString(36);
}
