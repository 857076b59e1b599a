/** Casting a vote: the rules, then the batching writer, then the live hub after commit. */
import { type Ballot, CONTROL_CHARS, statusOf } from "../ballots/rules.ts";

export const WRITE_IN = "__write_in__";

export interface VoteForm {
  option: string;
  write_in_value: string;
}

export type VoteField = "option" | "write_in_value";

export interface Choice {
  label: string;
  writeIn: boolean;
}

/** `invalid`: a bad option or write-in (400); `closed`: the ballot is not open (409). */
export type VoteRefusal = { kind: "invalid" | "closed"; field: VoteField; message: string };

export const NOT_STARTED = "Voting has not started for this ballot";
export const ENDED = "Voting has ended for this ballot";

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
    const value = cleanWriteIn(form.write_in_value);
    if (value.length === 0) {
      return { kind: "invalid", field: "write_in_value", message: "Write-in value required" };
    }
    if ([...value].length > 64) {
      return { kind: "invalid", field: "write_in_value", message: "at most 64 characters" };
    }
    // A write-in that names a listed option is a vote for that option.
    return { label: value, writeIn: !ballot.options.includes(value) };
  }
  if (!ballot.options.includes(form.option)) {
    return { kind: "invalid", field: "option", message: "Invalid option for this ballot" };
  }
  return { label: form.option, writeIn: false };
}

/** Strips HTML tags and control characters, then surrounding blanks. */
export function cleanWriteIn(raw: string): string {
  return raw.replace(/<[^>]*>/g, "").replace(new RegExp(CONTROL_CHARS, "g"), "").trim();
}

export function isRefusal(result: Choice | VoteRefusal): result is VoteRefusal {
  return "kind" in result;
}
