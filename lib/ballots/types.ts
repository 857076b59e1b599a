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
}

export type NewBallot = Omit<Ballot, "id" | "createdAt">;

export type BallotStatus = "pending" | "active" | "ended";
