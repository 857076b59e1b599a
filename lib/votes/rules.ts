/** Casting a vote: the open window, then the ballot kind's own rules (lib/kinds). */
import { type Ballot, statusOf } from "../ballots/rules.ts";
import { RESERVED_OPTION } from "../ballots/labels.ts";
import { type CastChoice, kindOf, type OptionChoice } from "../kinds/index.ts";

export { cleanWriteIn } from "../ballots/labels.ts";

export const WRITE_IN = RESERVED_OPTION;
/** Distinct write-ins a ballot may hold; past it, only existing ones still take votes. */
export const MAX_WRITE_INS = 200;

export interface VoteForm {
  option: string;
  write_in_value: string;
  /** A `code` ballot's one-time voter code. */
  voter_code?: string;
  /** `approval`: every `option` field checked. */
  options?: string[];
  /** `ranked`: the `ranking` fields, in order of preference. */
  ranking?: string[];
  /** `ranked` without JavaScript: the `rank_{i}` selects by option position. */
  ranks?: string[];
}

export type VoteField = "option" | "write_in_value" | "voter_code" | "ranking";

export type Choice = OptionChoice;

/**
 * `invalid`: a bad option, write-in or missing code (400); `closed`: the ballot
 * is not open (409); `duplicate`: this voter already voted (409); `forbidden`:
 * the voter code is unknown or used (403).
 */
export type VoteRefusal = {
  kind: "invalid" | "closed" | "duplicate" | "forbidden";
  field: VoteField;
  message: string;
};

export const ALREADY_VOTED = "You have already voted on this ballot.";
export const CODE_REQUIRED = "Voter code required: enter the code you were given.";
export const CODE_INVALID = "This voter code is not valid or has already been used.";

export const NOT_STARTED = "Voting has not started for this ballot.";
export const ENDED = "Voting has ended for this ballot.";
export const WRITE_IN_LIMIT =
  `This ballot has reached its limit of ${MAX_WRITE_INS} write-ins; choose a listed option or a write-in already in the results.`;

/** The open window, then the kind's rules: the vote as counter deltas, or why not. */
export function validateCast(ballot: Ballot, form: VoteForm, now: Date): CastChoice | VoteRefusal {
  const status = statusOf(ballot, now);
  if (status === "pending") return { kind: "closed", field: "option", message: NOT_STARTED };
  if (status === "ended") return { kind: "closed", field: "option", message: ENDED };
  return kindOf(ballot).validate(ballot, form);
}

/** A single-choice vote's one counter (as `validateCast` would raise it). */
export function validateVote(ballot: Ballot, form: VoteForm, now: Date): Choice | VoteRefusal {
  const cast = validateCast(ballot, form, now);
  return isRefusal(cast) ? cast : cast.options[0];
}

export function isRefusal<T extends object>(result: T | VoteRefusal): result is VoteRefusal {
  return "kind" in result;
}
