/**
 * Result exports: every option and every write-in (a ballot holds a bounded
 * number), as CSV rows or JSON. A CSV cell that a spreadsheet would run as a
 * formula (starting with `=`, `+`, `-`, `@`, tab or carriage return) is
 * prefixed with `'`, so it is shown as the text it is.
 */
import { shareOf, type Tally, type TallyRow } from "../results/tally.ts";

/**
 * The tally with its write-ins listed in full: `allWriteIns` replaces the top
 * ones and the summed rest. A share of votes is of the rows' own sum, so the
 * shares agree with the counts shown even if a vote landed between the two
 * reads; a share of voters (approval) keeps the tally's voters.
 */
export function fullTally(tally: Tally, allWriteIns: TallyRow[] | null): Tally {
  if (!allWriteIns) return tally;
  const rows = [...tally.lines.filter((line) => !line.writeIn), ...allWriteIns];
  const total = tally.ofVoters ? tally.total : rows.reduce((sum, row) => sum + row.votes, 0);
  return {
    ...tally,
    total,
    lines: rows.map((row) => ({ ...row, share: shareOf(row.votes, total) })),
    more: null,
  };
}

const FORMULA_START = /^[=+\-@\t\r]/;

export function defuseCell(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

function quote(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

export const CSV_HEADER = "option,votes,share_percent,write_in";
export const RANKED_CSV_HEADER = "round,option,votes,eliminated,exhausted_ballots";

/** One row per option; a ranked ballot: one row per option per instant-runoff round. */
export function resultsCsv(tally: Tally): string {
  const lines: string[] = [];
  if (tally.runoff) {
    lines.push(RANKED_CSV_HEADER);
    for (const round of tally.runoff.rounds) {
      for (const count of round.counts) {
        const eliminated = round.eliminated.includes(count.label);
        lines.push(
          [round.n, quote(defuseCell(count.label)), count.count, eliminated, round.exhausted].join(
            ",",
          ),
        );
      }
    }
  } else {
    lines.push(CSV_HEADER);
    for (const line of tally.lines) {
      lines.push(
        [quote(defuseCell(line.label)), line.votes, line.share.toFixed(1), line.writeIn].join(","),
      );
    }
  }
  return lines.join("\r\n") + "\r\n";
}
