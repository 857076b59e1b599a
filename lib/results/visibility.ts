/**
 * Who may see a ballot's counts (SPEC section 6). While hidden, no per-option
 * count leaves the server: pages, live events and their ids, API and exports
 * all ask here first. The owner always sees them.
 */
import { statusOf } from "../ballots/rules.ts";
import type { Ballot } from "../ballots/types.ts";

/** A live viewer is served one of these renders per flush. */
export type Audience = "shown" | "hidden";

export interface Reader {
  isOwner: boolean;
  hasVoted: boolean;
}

export type Visibility = { shown: true } | { shown: false; reason: string };

const REASONS = {
  after_vote: "Results are shown to each voter once they have voted.",
  after_close: "Results are hidden until voting closes.",
  manual: "Results are hidden until the owner publishes them.",
} as const;

/** What everyone may see, whoever they are. */
export function publicVisibility(ballot: Ballot, now: Date): Visibility {
  switch (ballot.resultsVisibility) {
    case "always":
      return { shown: true };
    case "after_close":
      return statusOf(ballot, now) === "ended"
        ? { shown: true }
        : { shown: false, reason: REASONS.after_close };
    case "manual":
      return ballot.publishedAt ? { shown: true } : { shown: false, reason: REASONS.manual };
    case "after_vote":
      return { shown: false, reason: REASONS.after_vote };
  }
}

export function visibilityFor(ballot: Ballot, reader: Reader, now: Date): Visibility {
  if (reader.isOwner) return { shown: true };
  if (ballot.resultsVisibility === "after_vote" && reader.hasVoted) return { shown: true };
  return publicVisibility(ballot, now);
}

export function audienceOf(visibility: Visibility): Audience {
  return visibility.shown ? "shown" : "hidden";
}
