/** A write-in as a vote names it: cleaned, capped, and merged into a listed option it names. */
import type { Ballot } from "../ballots/types.ts";
import {
  cleanWriteIn,
  codePointLength,
  findOption,
  listedKey,
  writeInKey,
} from "../ballots/labels.ts";
import type { VoteRefusal } from "../votes/rules.ts";
import type { OptionChoice } from "./types.ts";

/**
 * A write-in longer than this as sent (tags and all) is refused unread: the
 * form allows 200 characters, and cleaning stays a fraction of a millisecond.
 */
const MAX_RAW_WRITE_IN = 4096;

// Each message holds the SPEC's phrase (section 2) word for word, as a sentence.
export const INVALID_OPTION = "Invalid option for this ballot.";
export const WRITE_IN_REQUIRED = "Write-in value required: type your option.";
export const WRITE_IN_TOO_LONG = "The write-in can have at most 64 characters.";
export const WRITE_IN_NOT_ALLOWED = "Write-in votes are not allowed for this ballot.";

export function readWriteIn(ballot: Ballot, raw: string): OptionChoice | VoteRefusal {
  if (!ballot.allowWriteIn) {
    return { kind: "invalid", field: "option", message: WRITE_IN_NOT_ALLOWED };
  }
  if (raw.length > MAX_RAW_WRITE_IN) {
    return { kind: "invalid", field: "write_in_value", message: WRITE_IN_TOO_LONG };
  }
  const value = cleanWriteIn(raw);
  if (value.length === 0) {
    return { kind: "invalid", field: "write_in_value", message: WRITE_IN_REQUIRED };
  }
  if (codePointLength(value) > 64) {
    return { kind: "invalid", field: "write_in_value", message: WRITE_IN_TOO_LONG };
  }
  // A write-in that names a listed option (by key) is a vote for that option.
  const listed = findOption(ballot.options, value, true);
  if (listed !== undefined) {
    return { label: listed, key: listedKey(ballot.options, listed), writeIn: false };
  }
  return { label: value, key: writeInKey(value), writeIn: true };
}

export function invalidOption(): VoteRefusal {
  return { kind: "invalid", field: "option", message: INVALID_OPTION };
}
