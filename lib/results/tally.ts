/** Pure tally maths: counts in, shares out. */

import type { TallyRow } from "./types.ts";
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
  /** Total votes; it only grows, so it doubles as the version of the results. */
  total: number;
  lines: TallyLine[];
  more: MoreWriteIns | null;
}

export function computeTally(rows: TallyRow[]): Tally {
  const total = rows.reduce((sum, row) => sum + row.votes, 0);
  const share = (votes: number) => shareOf(votes, total);
  const tail = rows.find((row) => row.collapsed !== undefined);
  return {
    total,
    lines: rows.filter((row) => row !== tail).map((row) => ({ ...row, share: share(row.votes) })),
    more: tail ? { writeIns: tail.collapsed!, votes: tail.votes, share: share(tail.votes) } : null,
  };
}

/** Percent of `total`, one decimal; 0 when there are no votes. */
export function shareOf(votes: number, total: number): number {
  return total === 0 ? 0 : Math.round((votes / total) * 1000) / 10;
}

export function formatShare(share: number): string {
  return `${share.toFixed(1)}%`;
}
