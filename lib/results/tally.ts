/** Pure tally maths: counts in, shares out. */

import type { TallyRow } from "./types.ts";
export type { TallyRow } from "./types.ts";

export interface TallyLine extends TallyRow {
  /** Share of all votes in percent, one decimal. */
  share: number;
}

export interface Tally {
  /** Total votes; it only grows, so it doubles as the version of the results. */
  total: number;
  lines: TallyLine[];
}

export function computeTally(rows: TallyRow[]): Tally {
  const total = rows.reduce((sum, row) => sum + row.votes, 0);
  return {
    total,
    lines: rows.map((row) => ({
      ...row,
      share: total === 0 ? 0 : Math.round((row.votes / total) * 1000) / 10,
    })),
  };
}

export function formatShare(share: number): string {
  return `${share.toFixed(1)}%`;
}
