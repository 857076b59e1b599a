import fc from "fast-check";
import {
  type RankingCount,
  type Round,
  runInstantRunoff,
  type RunoffResult,
  TIE_BREAK_RULE,
} from "../../lib/kinds/runoff.ts";
import { assert, assertEquals } from "../_support/assert.ts";

// --- An independent, naive count: one ballot at a time, no cursors, no counters.

function naiveRunoff(options: string[], rows: RankingCount[]): RunoffResult {
  const ballots: string[][] = [];
  for (const row of rows) for (let k = 0; k < row.count; k++) ballots.push(row.ranking);
  if (ballots.length === 0) return { rounds: [], winners: [], total: 0 };

  const order: string[] = [];
  for (const label of options) if (!order.includes(label)) order.push(label);
  const writeIns: string[] = [];
  for (const ballot of ballots) {
    for (const label of ballot) {
      if (!order.includes(label) && !writeIns.includes(label)) writeIns.push(label);
    }
  }
  const points = (s: string) => Array.from(s, (c) => c.codePointAt(0)!);
  writeIns.sort((a, b) => {
    const x = points(a), y = points(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  });
  order.push(...writeIns);

  let standing = [...order];
  const past: Map<string, number>[] = [];
  const rounds: Round[] = [];
  while (true) {
    const votes = new Map(standing.map((label) => [label, 0]));
    let exhausted = 0;
    for (const ballot of ballots) {
      const choice = ballot.find((label) => standing.includes(label));
      if (choice === undefined) exhausted++;
      else votes.set(choice, votes.get(choice)! + 1);
    }
    past.push(votes);
    const continuing = ballots.length - exhausted;
    const counts = standing.map((label) => ({ label, count: votes.get(label)! }))
      .sort((a, b) => b.count - a.count || order.indexOf(a.label) - order.indexOf(b.label));
    const round: Round = { n: past.length, counts, eliminated: [], exhausted, continuing };
    rounds.push(round);
    const done = (winners: string[]) => ({ rounds, winners, total: ballots.length });
    if (continuing === 0) return done([]);
    const majority = counts.find((c) => c.count > continuing / 2);
    if (majority) return done([majority.label]);
    if (counts.every((c) => c.count === counts[0].count)) return done(counts.map((c) => c.label));

    // Narrow the field step by step, exactly as the rule reads.
    let field = [...standing];
    const keep = (roundIndex: number) => {
      const least = Math.min(...field.map((label) => past[roundIndex].get(label)!));
      field = field.filter((label) => past[roundIndex].get(label) === least);
    };
    keep(past.length - 1);
    keep(0);
    for (let r = past.length - 2; r >= 1; r--) keep(r);
    const loser = field.reduce((a, b) => (order.indexOf(a) > order.indexOf(b) ? a : b));
    round.eliminated.push(loser);
    standing = standing.filter((label) => label !== loser);
  }
}

// --- Random elections: 2-6 options, write-ins (two that sort differently by
// code point than by UTF-16 unit), partial rankings, repeats, duplicate rows.

const LABELS = ["A", "B", "C", "D", "E", "F"];
const WRITE_INS = ["w", "\uff21", "\u{1f600}"];

const election = fc.integer({ min: 2, max: 6 }).chain((n) => {
  const options = LABELS.slice(0, n);
  const label = fc.constantFrom(...options, ...options, ...WRITE_INS);
  const ranking = fc.oneof(
    fc.uniqueArray(label, { maxLength: n + 2 }),
    fc.array(label, { maxLength: n + 2 }),
  );
  const row = fc.record({ ranking, count: fc.integer({ min: 1, max: 5 }) });
  return fc.tuple(
    fc.constant(options),
    fc.array(row, { maxLength: 14 }),
    fc.array(fc.nat(), { maxLength: 4 }),
  ).map(([options, rows, copies]) => ({
    options,
    rows: rows.length ? [...rows, ...copies.map((k) => ({ ...rows[k % rows.length] }))] : rows,
  }));
});

const RUNS = { numRuns: 2000 };

Deno.test("`runInstantRunoff()` conserves ballots in every round", () => {
  fc.assert(
    fc.property(election, ({ options, rows }) => {
      const result = runInstantRunoff(options, rows);
      assertEquals(result.total, rows.reduce((sum, row) => sum + row.count, 0));
      for (const round of result.rounds) {
        assertEquals(round.continuing + round.exhausted, result.total);
        assertEquals(round.counts.reduce((sum, c) => sum + c.count, 0), round.continuing);
      }
    }),
    RUNS,
  );
});

Deno.test("`runInstantRunoff()` elects a sole winner by majority of continuing ballots or as last one standing", () => {
  fc.assert(
    fc.property(election, ({ options, rows }) => {
      const result = runInstantRunoff(options, rows);
      const final = result.rounds.at(-1);
      result.rounds.forEach((round, i) => {
        assertEquals(round.n, i + 1);
        assertEquals(round.eliminated.length, round === final ? 0 : 1);
      });
      if (result.winners.length !== 1) return;
      const winner = final!.counts.find((c) => c.label === result.winners[0])!;
      assert(winner.count * 2 > final!.continuing || final!.counts.length === 1);
    }),
    RUNS,
  );
});

Deno.test("`runInstantRunoff()` agrees with a naive ballot-by-ballot count", () => {
  fc.assert(
    fc.property(election, ({ options, rows }) => {
      assertEquals(runInstantRunoff(options, rows), naiveRunoff(options, rows));
    }),
    RUNS,
  );
});

Deno.test("`runInstantRunoff()` gives the same result for split, merged or reordered duplicate rows", () => {
  fc.assert(
    fc.property(election, ({ options, rows }) => {
      const merged = new Map<string, RankingCount>();
      for (const row of rows) {
        const key = JSON.stringify(row.ranking);
        const seen = merged.get(key);
        merged.set(key, { ranking: row.ranking, count: (seen?.count ?? 0) + row.count });
      }
      const expected = runInstantRunoff(options, rows);
      assertEquals(runInstantRunoff(options, [...merged.values()]), expected);
      assertEquals(runInstantRunoff(options, [...rows].reverse()), expected);
    }),
    RUNS,
  );
});

Deno.test("`runInstantRunoff()` elects a clear first-choice majority in round 1", () => {
  const result = runInstantRunoff(["A", "B", "C"], [
    { ranking: ["A", "B"], count: 6 },
    { ranking: ["B", "A"], count: 3 },
    { ranking: ["C"], count: 2 },
  ]);
  assertEquals(result.winners, ["A"]);
  assertEquals(result.rounds, [{
    n: 1,
    counts: [{ label: "A", count: 6 }, { label: "B", count: 3 }, { label: "C", count: 2 }],
    eliminated: [],
    exhausted: 0,
    continuing: 11,
  }]);
});

Deno.test("`runInstantRunoff()` lets transfers beat the round-1 leader", () => {
  const result = runInstantRunoff(["A", "B", "C"], [
    { ranking: ["A"], count: 8 },
    { ranking: ["B", "C"], count: 5 },
    { ranking: ["C", "B"], count: 6 },
  ]);
  assertEquals(result.rounds.map((r) => [r.counts, r.eliminated]), [
    [[{ label: "A", count: 8 }, { label: "C", count: 6 }, { label: "B", count: 5 }], ["B"]],
    [[{ label: "C", count: 11 }, { label: "A", count: 8 }], []],
  ]);
  assertEquals(result.winners, ["C"]);
});

Deno.test("`runInstantRunoff()` declares every option of an exact final tie a winner", () => {
  assertEquals(
    runInstantRunoff(["A", "B"], [{ ranking: ["B"], count: 3 }, { ranking: ["A"], count: 3 }])
      .winners,
    ["A", "B"],
  );
  const result = runInstantRunoff(["A", "B", "C"], [
    { ranking: ["A"], count: 2 },
    { ranking: ["B"], count: 2 },
    { ranking: ["C"], count: 1 },
  ]);
  assertEquals(result.winners, ["A", "B"]);
  assertEquals(result.rounds.map((r) => r.eliminated), [["C"], []]);
  assertEquals([result.rounds[1].continuing, result.rounds[1].exhausted], [4, 1]);
});

Deno.test("`runInstantRunoff()` of no votes has no rounds and no winner", () => {
  assertEquals(runInstantRunoff(["A", "B"], []), { rounds: [], winners: [], total: 0 });
  assertEquals(runInstantRunoff([], [{ ranking: ["A"], count: 0 }]), {
    rounds: [],
    winners: [],
    total: 0,
  });
});

Deno.test("`runInstantRunoff()` exhausts empty rankings from round 1", () => {
  assertEquals(runInstantRunoff(["A", "B"], [{ ranking: [], count: 3 }]), {
    rounds: [{
      n: 1,
      counts: [{ label: "A", count: 0 }, { label: "B", count: 0 }],
      eliminated: [],
      exhausted: 3,
      continuing: 0,
    }],
    winners: [],
    total: 3,
  });
  const result = runInstantRunoff(["A", "B"], [
    { ranking: [], count: 1 },
    { ranking: ["A", "A", "B"], count: 2 },
    { ranking: ["B", "B"], count: 2 },
  ]);
  assertEquals(result.rounds[0].exhausted, 1);
  assertEquals(result.winners, ["A", "B"]);
});

Deno.test("`runInstantRunoff()` breaks a tie on first preferences", () => {
  const result = runInstantRunoff(["D", "B", "A", "C"], [
    { ranking: ["D"], count: 4 },
    { ranking: ["A"], count: 3 },
    { ranking: ["B"], count: 2 },
    { ranking: ["C", "B"], count: 1 },
  ]);
  // Round 2: A 3, B 3; A had more first preferences, so B goes.
  assertEquals(result.rounds.map((r) => r.eliminated), [["C"], ["B"], []]);
  assertEquals(result.winners, ["D"]);
});

Deno.test("`runInstantRunoff()` breaks a tie on the previous rounds, going back", () => {
  const result = runInstantRunoff(["R", "Q", "P", "T", "S"], [
    { ranking: ["R"], count: 4 },
    { ranking: ["Q"], count: 2 },
    { ranking: ["P"], count: 2 },
    { ranking: ["T", "Q"], count: 1 },
    { ranking: ["S", "P"], count: 1 },
  ]);
  // Round 3: P 3, Q 3, both 2 first preferences; in round 2 P had 3, Q 2.
  assertEquals(result.rounds.map((r) => r.eliminated), [["S"], ["T"], ["Q"], []]);
  assertEquals(result.winners, ["R"]);
});

Deno.test("`runInstantRunoff()` breaks a full tie by ballot order, write-ins last in code-point order", () => {
  const votes = [
    { ranking: ["A", "B"], count: 2 },
    { ranking: ["B", "A"], count: 2 },
    { ranking: ["C"], count: 3 },
  ];
  assertEquals(runInstantRunoff(["A", "B", "C"], votes).rounds[0].eliminated, ["B"]);
  assertEquals(runInstantRunoff(["B", "A", "C"], votes).rounds[0].eliminated, ["A"]);

  const result = runInstantRunoff(["A"], [
    { ranking: ["A"], count: 2 },
    { ranking: ["\u{1f600}"], count: 1 },
    { ranking: ["\uff21", "A"], count: 1 },
  ]);
  assertEquals(result.rounds[0].counts.map((c) => c.label), ["A", "\uff21", "\u{1f600}"]);
  assertEquals(result.rounds[0].eliminated, ["\u{1f600}"]);
  assertEquals(result.winners, ["A"]);
});

Deno.test("`runInstantRunoff()` costs the same whatever the vote count", () => {
  const result = runInstantRunoff(["A", "B", "C"], [
    { ranking: ["A"], count: 4e15 },
    { ranking: ["B", "C"], count: 3e15 },
    { ranking: ["C", "B"], count: 2e15 },
  ]);
  assertEquals(result.winners, ["B"]);
  assertEquals(result.total, 9e15);
});

Deno.test("`TIE_BREAK_RULE` states the rule in plain words", () => {
  assert(TIE_BREAK_RULE.includes("fewest votes"));
  assert(TIE_BREAK_RULE.includes("first preferences"));
  assert(TIE_BREAK_RULE.includes("later on the ballot"));
});
