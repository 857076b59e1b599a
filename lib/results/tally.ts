/** Pure tally maths: counts in, shares out. */

import type { TallyRow } from "./types.ts";
import type { RunoffResult } from "../kinds/runoff.ts";
export type { TallyRow, WriteInPage } from "./types.ts";

export interface TallyLine extends TallyRow {
  /** Share of all votes in percent, one decimal. */
  share: number;
}

/** The write-ins past the ones listed, shown as one line. */
export interface MoreWriteIns {
  writeIns: number;
  votes: number;
  share: number;
}

export interface Tally {
  /** Total votes (voters, for `approval` and `ranked`); it only grows. */
  total: number;
  lines: TallyLine[];
  more: MoreWriteIns | null;
  /** Shares are of voters, each of whom may choose several options (`approval`). */
  ofVoters?: boolean;
  /** The instant-runoff rounds (`ranked`); `lines` then hold first preferences. */
  runoff?: RunoffResult;
}

/** `voters`: the base of each share when a voter may choose several options. */
export function computeTally(rows: TallyRow[], voters?: number): Tally {
  const total = voters ?? rows.reduce((sum, row) => sum + row.votes, 0);
  const share = (votes: number) => shareOf(votes, total);
  const tail = rows.find((row) => row.collapsed !== undefined);
  return {
    total,
    lines: rows.filter((row) => row !== tail).map((row) => ({ ...row, share: share(row.votes) })),
    more: tail ? { writeIns: tail.collapsed!, votes: tail.votes, share: share(tail.votes) } : null,
    ...(voters === undefined ? {} : { ofVoters: true }),
  };
}

/** Percent of `total`, one decimal; 0 when there are no votes. */
export function shareOf(votes: number, total: number): number {
  return total === 0 ? 0 : Math.round((votes / total) * 1000) / 10;
}

export function formatShare(share: number): string {
  return `${share.toFixed(1)}%`;
}
