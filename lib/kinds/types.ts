/** The small surface every ballot kind offers (DESIGN section 5, "Kinds are modules"). */
import type { Ballot, BallotKind } from "../ballots/types.ts";
import type { Tally, TallyRow } from "../results/tally.ts";
import type { VoteForm, VoteRefusal } from "../votes/rules.ts";
import type { RankingCount } from "./runoff.ts";

/** One option counter a vote raises by one. */
export interface OptionChoice {
  /** The spelling recorded: the listed option, or the cleaned write-in. */
  label: string;
  /** What the counter is found by (a write-in's merges case, spacing and punctuation). */
  key: string;
  writeIn: boolean;
}

/** A valid vote, as counter deltas. */
export interface CastChoice {
  /** Option counters raised by one each: one for `single`, any for `approval`, none for `ranked`. */
  options: OptionChoice[];
  /** `ranked`: listed options in order of preference, with their label keys. */
  ranking?: { labels: string[]; keys: string[] };
  /** What the voter is told they voted for. */
  summary: string;
}

/** What a kind's results are computed from. */
export interface Counters {
  rows: TallyRow[];
  /** Distinct rankings by label keys (read only for kinds that ask). */
  rankings: RankingCount[];
  /** Ballots cast. */
  voters: number;
}

/** The vote form's fields this kind reads, by name (repeated fields in order). */
export type FieldValues = (name: string) => string[];

export interface KindModule {
  readonly name: BallotKind;
  /** Which counters `result` needs besides the option rows. */
  readonly reads: { rankings: boolean; voters: boolean };
  /** The vote form's fields (from a browser form, a script or the API). */
  readForm(ballot: Ballot, values: FieldValues): VoteForm;
  /** Checks the choice (the open window is checked before). */
  validate(ballot: Ballot, form: VoteForm): CastChoice | VoteRefusal;
  /** Counters into what the results show. */
  result(ballot: Ballot, counters: Counters): Tally;
}
