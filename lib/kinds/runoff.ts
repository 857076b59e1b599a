/**
 * Instant runoff over counters of distinct rankings. Pure: no I/O, no imports.
 *
 * Candidates are the ballot's options in ballot order, then every other label
 * that appears in a ranking (write-ins), in code-point order of their labels.
 * One option is eliminated per round (see TIE_BREAK_RULE). The count stops when
 * an option holds a strict majority of the continuing ballots, or when every
 * remaining option has the same count (all of them win: a tie). With no votes
 * there are no rounds and no winner; when every ballot is exhausted from the
 * start (only empty rankings) there is one round of zeros and no winner.
 *
 * Each round walks the distinct rankings once, so the cost depends on the
 * number of distinct rankings and options, never on the number of votes.
 */

export interface RankingCount {
  /** Labels in order of preference; partial rankings allowed. */
  ranking: string[];
  /** How many ballots gave exactly this ranking. */
  count: number;
}

export interface RoundCount {
  label: string;
  count: number;
}

export interface Round {
  /** 1-based. */
  n: number;
  /** Continuing options, by count descending then ballot order. */
  counts: RoundCount[];
  /** Eliminated at the end of this round; empty in the final round. */
  eliminated: string[];
  /** Ballots with no continuing preference left. */
  exhausted: number;
  /** Ballots counting for a continuing option; continuing + exhausted = total. */
  continuing: number;
}

export interface RunoffResult {
  rounds: Round[];
  /** One winner, several on an exact tie, none without continuing ballots. */
  winners: string[];
  /** Ballots counted. */
  total: number;
}

export const TIE_BREAK_RULE = "each round, the option with the fewest votes is eliminated. " +
  "on a tie, the one with fewer first preferences goes; still tied, the one with " +
  "fewer votes in the round before, going back round by round; still tied, the one " +
  "listed later on the ballot (write-ins come after the listed options, in code-point " +
  "order of their labels). a ballot whose ranked options are all eliminated is exhausted.";

export function runInstantRunoff(options: string[], rankings: RankingCount[]): RunoffResult {
  const rows = rankings.filter((row) => Number.isFinite(row.count) && row.count > 0);
  const total = rows.reduce((sum, row) => sum + row.count, 0);
  if (total === 0) return { rounds: [], winners: [], total: 0 };

  const candidates = candidateOrder(options, rows);
  const index = new Map(candidates.map((label, i) => [label, i]));
  const out = candidates.map(() => false);
  // Each row's position of its current preference. It only moves forward, past
  // eliminated labels, so it never skips a continuing one: a label repeated
  // later in a ranking is reached only once it is eliminated, i.e. ignored.
  const cursor = rows.map(() => 0);
  const history: number[][] = []; // history[round][candidate]
  const rounds: Round[] = [];

  for (;;) {
    const tally = candidates.map(() => 0);
    let exhausted = 0;
    rows.forEach((row, r) => {
      let at = cursor[r];
      while (at < row.ranking.length && out[index.get(row.ranking[at])!]) at++;
      cursor[r] = at;
      if (at < row.ranking.length) tally[index.get(row.ranking[at])!] += row.count;
      else exhausted += row.count;
    });
    history.push(tally);

    const alive = candidates.map((_, i) => i).filter((i) => !out[i])
      .sort((a, b) => tally[b] - tally[a] || a - b);
    const continuing = total - exhausted;
    const round: Round = {
      n: rounds.length + 1,
      counts: alive.map((i) => ({ label: candidates[i], count: tally[i] })),
      eliminated: [],
      exhausted,
      continuing,
    };
    rounds.push(round);

    if (continuing === 0) return { rounds, winners: [], total };
    const top = alive[0];
    if (tally[top] * 2 > continuing) return { rounds, winners: [candidates[top]], total };
    if (tally[top] === tally[alive[alive.length - 1]]) {
      return { rounds, winners: alive.map((i) => candidates[i]), total };
    }

    const loser = alive.reduce((a, b) => (goesFirst(b, a, history) ? b : a));
    out[loser] = true;
    round.eliminated.push(candidates[loser]);
  }
}

/** Whether candidate `a` is eliminated before `b` (see TIE_BREAK_RULE). */
function goesFirst(a: number, b: number, history: number[][]): boolean {
  const last = history.length - 1;
  // This round, then first preferences, then the previous rounds going back.
  const order = [last, 0];
  for (let r = last - 1; r > 0; r--) order.push(r);
  for (const r of order) {
    if (history[r][a] !== history[r][b]) return history[r][a] < history[r][b];
  }
  return a > b;
}

function candidateOrder(options: string[], rows: RankingCount[]): string[] {
  const listed = [...new Set(options)];
  const known = new Set(listed);
  const writeIns = new Set<string>();
  for (const row of rows) {
    for (const label of row.ranking) if (!known.has(label)) writeIns.add(label);
  }
  return [...listed, ...[...writeIns].sort(byCodePoints)];
}

/** Code-point order (plain `<` compares UTF-16 units, which misplaces astral characters). */
function byCodePoints(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length) {
    const x = a.codePointAt(i)!, y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}
