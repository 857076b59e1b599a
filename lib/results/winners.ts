/** The winner of a tally: the runoff's for a ranked ballot, else the most votes, every option sharing it in a tie; none without votes. */
import type { Tally } from "./tally.ts";

export function winnersOf(tally: Tally): string[] {
  if (tally.runoff) return tally.runoff.winners;
  const most = Math.max(0, ...tally.lines.map((line) => line.votes));
  if (most === 0) return [];
  return tally.lines.filter((line) => line.votes === most).map((line) => line.label);
}
