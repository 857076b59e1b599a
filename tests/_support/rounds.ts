/**
 * Reading instant-runoff rounds off a results page, and a reference count
 * written for the tests: one ballot at a time, no counters, no cursors (the
 * style of tests/unit/runoff_test.ts), to hold the served rounds against.
 */
import { unescapeHtml } from "./client.ts";

/** Per round, `option` → count in ballot display order; an eliminated option ends in `!`. */
export function readRounds(html: string): Record<string, number>[] {
  return [...html.matchAll(/<li class="round" data-round="(\d+)">([\s\S]*?)<\/li><\/ol>/g)].map(
    (round) => {
      const counts: Record<string, number> = {};
      for (const row of round[2].matchAll(/<li([^>]*)>/g)) {
        const option = /data-option="([^"]*)"/.exec(row[1])?.[1];
        const count = /data-count="(\d+)"/.exec(row[1])?.[1];
        if (option === undefined || count === undefined) continue;
        counts[unescapeHtml(option) + (row[1].includes("data-eliminated") ? "!" : "")] = Number(
          count,
        );
      }
      return counts;
    },
  );
}

/** The exhausted count of each round. */
export function readExhausted(html: string): number[] {
  return [...html.matchAll(/data-exhausted="(\d+)"/g)].map((m) => Number(m[1]));
}

export interface ReferenceCount {
  rounds: Record<string, number>[];
  exhausted: number[];
  winners: string[];
}

/** Ballot by ballot, as the rule stated on the results page reads. */
export function referenceRunoff(options: string[], ballots: string[][]): ReferenceCount {
  let standing = [...options];
  const past: Map<string, number>[] = [];
  const rounds: Record<string, number>[] = [];
  const exhaustedPerRound: number[] = [];
  if (ballots.length === 0) return { rounds, exhausted: [], winners: [] };
  for (;;) {
    const votes = new Map(standing.map((label) => [label, 0]));
    let exhausted = 0;
    for (const ballot of ballots) {
      const choice = ballot.find((label) => standing.includes(label));
      if (choice === undefined) exhausted++;
      else votes.set(choice, votes.get(choice)! + 1);
    }
    past.push(votes);
    exhaustedPerRound.push(exhausted);
    const continuing = ballots.length - exhausted;
    const sorted = [...standing].sort((a, b) =>
      votes.get(b)! - votes.get(a)! || options.indexOf(a) - options.indexOf(b)
    );
    const round: Record<string, number> = {};
    rounds.push(round);
    const finish = (winners: string[]) => {
      for (const label of sorted) round[label] = votes.get(label)!;
      return { rounds, exhausted: exhaustedPerRound, winners };
    };
    if (continuing === 0) return finish([]);
    const majority = sorted.find((label) => votes.get(label)! * 2 > continuing);
    if (majority) return finish([majority]);
    if (sorted.every((label) => votes.get(label) === votes.get(sorted[0]))) return finish(sorted);
    let field = [...standing];
    const keep = (r: number) => {
      const least = Math.min(...field.map((label) => past[r].get(label)!));
      field = field.filter((label) => past[r].get(label) === least);
    };
    keep(past.length - 1);
    keep(0);
    for (let r = past.length - 2; r >= 1; r--) keep(r);
    const loser = field.reduce((a, b) => (options.indexOf(a) > options.indexOf(b) ? a : b));
    for (const label of sorted) round[label + (label === loser ? "!" : "")] = votes.get(label)!;
    standing = standing.filter((label) => label !== loser);
  }
}
