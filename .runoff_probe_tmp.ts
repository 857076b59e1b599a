import { runInstantRunoff, type RankingCount } from "./lib/kinds/runoff.ts";
const options = Array.from({ length: 10 }, (_, i) => `option-${i}`);
let s = 7;
const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
function rows(total: number): RankingCount[] {
  const seen = new Map<string, string[]>();
  while (seen.size < 10_000) {
    const pool = [...options].sort(() => rnd() - 0.5);
    const r = pool.slice(0, 1 + Math.floor(rnd() * 10));
    seen.set(r.join("|"), r);
  }
  const list = [...seen.values()];
  const per = Math.floor(total / list.length);
  return list.map((ranking, i) => ({ ranking, count: per + (i < total - per * list.length ? 1 : 0) }));
}
for (const total of [1_000_000, 1_000]) {
  const input = total === 1000 ? rows(10_000).map((r) => ({ ...r, count: 1 })).slice(0, 1000) : rows(total);
  for (let i = 0; i < 5; i++) runInstantRunoff(options, input);
  const times: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    const res = runInstantRunoff(options, input);
    times.push(performance.now() - t);
    if (i === 0) console.log(total, "ballots", input.length, "distinct, rounds", res.rounds.length, "total", res.total);
  }
  times.sort((a, b) => a - b);
  console.log(`  median ${times[15].toFixed(2)} ms, p90 ${times[27].toFixed(2)} ms`);
}
