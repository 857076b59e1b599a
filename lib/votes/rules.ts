/** Casting a vote: the rules, then the batching writer, then the live hub after commit. */
import { type Ballot, statusOf } from "../ballots/rules.ts";
import {
  cleanWriteIn,
  codePointLength,
  findOption,
  labelKey,
  RESERVED_OPTION,
  writeInKey,
} from "../ballots/labels.ts";

export { cleanWriteIn } from "../ballots/labels.ts";

export const WRITE_IN = RESERVED_OPTION;
/** Distinct write-ins a ballot may hold; past it, only existing ones still take votes. */
export const MAX_WRITE_INS = 200;
/**
 * A write-in longer than this as sent (tags and all) is refused unread: the
 * form allows 200 characters, and cleaning stays a fraction of a millisecond.
 */
const MAX_RAW_WRITE_IN = 4096;

export interface VoteForm {
  option: string;
  write_in_value: string;
  /** A `code` ballot's one-time voter code. */
  voter_code?: string;
}

export type VoteField = "option" | "write_in_value" | "voter_code";

export interface Choice {
  /** The spelling recorded: the listed option, or the cleaned write-in. */
  label: string;
  /** What the counter is found by (a write-in's merges case, spacing and punctuation). */
  key: string;
  writeIn: boolean;
}

/** `invalid`: a bad option or write-in (400); `closed`: the ballot is not open (409). */
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

export const ALREADY_VOTED = "You have already voted on this ballot";
export const CODE_REQUIRED = "Voter code required";
export const CODE_INVALID = "This voter code is not valid or has already been used";

export const NOT_STARTED = "Voting has not started for this ballot";
export const ENDED = "Voting has ended for this ballot";
export const WRITE_IN_LIMIT =
  `This ballot has reached its limit of ${MAX_WRITE_INS} write-ins; choose a listed option or a write-in already in the results`;

export function validateVote(ballot: Ballot, form: VoteForm, now: Date): Choice | VoteRefusal {
  const status = statusOf(ballot, now);
  if (status === "pending") return { kind: "closed", field: "option", message: NOT_STARTED };
  if (status === "ended") return { kind: "closed", field: "option", message: ENDED };

  if (form.option === WRITE_IN) {
    if (!ballot.allowWriteIn) {
      return {
        kind: "invalid",
        field: "option",
        message: "Write-in votes are not allowed for this ballot",
      };
    }
    if (form.write_in_value.length > MAX_RAW_WRITE_IN) {
      return { kind: "invalid", field: "write_in_value", message: "at most 64 characters" };
    }
    const value = cleanWriteIn(form.write_in_value);
    if (value.length === 0) {
      return { kind: "invalid", field: "write_in_value", message: "Write-in value required" };
    }
    if (codePointLength(value) > 64) {
      return { kind: "invalid", field: "write_in_value", message: "at most 64 characters" };
    }
    // A write-in that names a listed option (by key) is a vote for that option.
    const listed = findOption(ballot.options, value, true);
    if (listed !== undefined) return { label: listed, key: labelKey(listed), writeIn: false };
    return { label: value, key: writeInKey(value), writeIn: true };
  }
  if (!ballot.options.includes(form.option)) {
    return { kind: "invalid", field: "option", message: "Invalid option for this ballot" };
  }
  return { label: form.option, key: labelKey(form.option), writeIn: false };
}

export function isRefusal(result: Choice | VoteRefusal): result is VoteRefusal {
  return "kind" in result;
}
