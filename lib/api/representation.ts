/**
 * Ballots and results as JSON (the shapes of `schemas.ts`), for the API, its
 * live events and the JSON export. Counts appear only when `visibility` says
 * they may: a hidden ballot's results carry turnout and the reason, nothing else.
 */
import { statusOf } from "../ballots/rules.ts";
import type { Ballot } from "../ballots/types.ts";
import type { Tally } from "../results/tally.ts";
import type { Visibility } from "../results/visibility.ts";
import { winnersOf } from "../results/winners.ts";
import { TIE_BREAK_RULE } from "../kinds/runoff.ts";
import type { BallotJson, ResultsJson, StatusJson } from "./schemas.ts";

export interface TurnoutFigures {
  cast: number;
  codesIssued: number;
}

/** `absolute(path)`: the public URL of a path on this server. */
export function ballotJson(
  ballot: Ballot,
  now: Date,
  absolute: (path: string) => string,
): BallotJson {
  return {
    id: ballot.id,
    measure: ballot.measure,
    // Kinds are being added; until a ballot carries its own, every ballot is single.
    kind: ballot.kind,
    options: ballot.options,
    allow_write_in: ballot.allowWriteIn,
    status: statusOf(ballot, now),
    starts_at: ballot.startsAt.toISOString(),
    ends_at: ballot.endsAt?.toISOString() ?? null,
    created_at: ballot.createdAt.toISOString(),
    duplicate_check: ballot.duplicateCheck,
    listing: ballot.listing,
    results_visibility: ballot.resultsVisibility,
    vote_url: absolute(`/vote/${ballot.id}`),
    results_url: absolute(`/results/${ballot.id}`),
  };
}

export function resultsJson(
  ballot: Ballot,
  visibility: Visibility,
  tally: Tally | undefined,
  turnout: TurnoutFigures,
  now: Date,
): ResultsJson {
  const status = statusOf(ballot, now);
  const turnoutJson = {
    cast: turnout.cast,
    codes_issued: ballot.duplicateCheck === "code" ? turnout.codesIssued : null,
  };
  if (!visibility.shown) {
    return {
      ballot_id: ballot.id,
      status,
      visible: false,
      hidden_reason: visibility.reason,
      turnout: turnoutJson,
    };
  }
  if (!tally) throw new Error("resultsJson: shown results need their tally");
  const runoff = tally.runoff;
  return {
    ballot_id: ballot.id,
    status,
    visible: true,
    kind: ballot.kind,
    total: tally.total,
    shares_of: tally.ofVoters || runoff ? "voters" : "votes",
    options: tally.lines.map((line) => ({
      label: line.label,
      count: line.votes,
      share: line.share,
      write_in: line.writeIn,
    })),
    more_write_ins: tally.more
      ? { write_ins: tally.more.writeIns, count: tally.more.votes, share: tally.more.share }
      : null,
    winners: status === "ended" || runoff ? winnersOf(tally) : null,
    ...(runoff
      ? {
        rounds: runoff.rounds.map((round) => ({
          round: round.n,
          counts: round.counts,
          eliminated: round.eliminated,
          exhausted: round.exhausted,
        })),
        tie_break: TIE_BREAK_RULE,
      }
      : {}),
    turnout: turnoutJson,
  };
}

export function statusJson(ballot: Ballot, now: Date): StatusJson {
  return {
    ballot_id: ballot.id,
    status: statusOf(ballot, now),
    starts_at: ballot.startsAt.toISOString(),
    ends_at: ballot.endsAt?.toISOString() ?? null,
  };
}
