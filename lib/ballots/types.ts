/** The ballot as stores and rules share it. */

export interface Ballot {
  id: string;
  measure: string;
  options: string[];
  allowWriteIn: boolean;
  startsAt: Date;
  /** `null`: the ballot never closes. */
  endsAt: Date | null;
  createdAt: Date;
  /** How a second vote from the same voter is told apart (SPEC section 6). */
  duplicateCheck: DuplicateCheck;
  listing: Listing;
  resultsVisibility: ResultsVisibility;
  /** When the owner published a `manual` ballot's results. */
  publishedAt: Date | null;
  /** The signed voter id of the browser that created it. */
  ownerVoter: string | null;
  codesIssued: number;
  /** How a vote is cast and counted (SPEC section 7). */
  kind: BallotKind;
  /** `approval`: the most options one voter may choose; `null`: no cap. */
  maxChoices: number | null;
}

export type BallotKind = "single" | "approval" | "ranked";

export type DuplicateCheck = "none" | "browser" | "code";
export type Listing = "listed" | "unlisted";
export type ResultsVisibility = "always" | "after_vote" | "after_close" | "manual";

/** What the owner chooses at creation besides the question and options. */
export interface BallotSettings {
  duplicateCheck: DuplicateCheck;
  listing: Listing;
  resultsVisibility: ResultsVisibility;
}

/** The question, options and window, as the create rules check them. */
export type NewBallot = Omit<
  Ballot,
  "id" | "createdAt" | "publishedAt" | "codesIssued" | "ownerVoter" | keyof BallotSettings
>;

export type BallotStatus = "pending" | "active" | "ended";
