/**
 * `ranked`: the voter orders any number of listed options (field `ranking`,
 * repeated in order of preference; without JavaScript a `rank_{i}` select per
 * option). Votes are counted as distinct rankings and the instant runoff runs
 * over those counters (runoff.ts), so a flush costs the same at any number of
 * votes with the same distinct rankings.
 */
import { findOption, labelKey, listedKey } from "../ballots/labels.ts";
import type { Ballot } from "../ballots/types.ts";
import { shareOf } from "../results/tally.ts";
import type { VoteRefusal } from "../votes/rules.ts";
import { type RankingCount, runInstantRunoff } from "./runoff.ts";
import type { KindModule } from "./types.ts";
import { INVALID_OPTION } from "./write_in.ts";

export const RANK_ONE = "Rank at least one option.";
export const RANK_ONCE = "Each rank can be used once.";
export const OPTION_ONCE = "Each option can be ranked once.";
export const rankRange = (n: number) => `Each rank must be a number from 1 to ${n}.`;

const refuse = (message: string): VoteRefusal => ({ kind: "invalid", field: "ranking", message });

export const ranked: KindModule = {
  name: "ranked",
  reads: { rankings: true, voters: false },

  readForm(ballot, values) {
    const ranking = values("ranking");
    return {
      option: "",
      write_in_value: "",
      ranking,
      ranks: ranking.length > 0 ? [] : ballot.options.map((_, i) => values(`rank_${i}`)[0] ?? ""),
    };
  },

  validate(ballot, form) {
    const labels = form.ranking && form.ranking.some((value) => value !== "")
      ? fromList(ballot, form.ranking)
      : fromSelects(ballot, form.ranks ?? []);
    if (!Array.isArray(labels)) return labels;
    if (labels.length === 0) return refuse(RANK_ONE);
    return {
      options: [],
      ranking: { labels, keys: labels.map((label) => listedKey(ballot.options, label)) },
      summary: labels.join(" > "),
    };
  },

  result(ballot, counters) {
    const byKey = new Map(ballot.options.map((option) => [labelKey(option), option]));
    const rankings: RankingCount[] = counters.rankings.map((row) => ({
      ranking: row.ranking.map((key) => byKey.get(key)).filter((label) => label !== undefined),
      count: row.count,
    }));
    const runoff = runInstantRunoff(ballot.options, rankings);
    const first = new Map(runoff.rounds[0]?.counts.map((row) => [row.label, row.count]) ?? []);
    return {
      total: runoff.total,
      lines: ballot.options.map((label) => {
        const votes = first.get(label) ?? 0;
        return { label, votes, writeIn: false, share: shareOf(votes, runoff.total) };
      }),
      more: null,
      runoff,
    };
  },
};

/** `ranking` fields: listed options (by spelling or key) in order; blanks skipped. */
function fromList(ballot: Ballot, values: string[]): string[] | VoteRefusal {
  const labels: string[] = [];
  for (const value of values) {
    if (value === "") continue;
    const label = findOption(ballot.options, value);
    if (label === undefined) return refuse(INVALID_OPTION);
    if (labels.includes(label)) return refuse(OPTION_ONCE);
    labels.push(label);
  }
  return labels;
}

/** `rank_{i}` selects: option i's rank, or empty when unranked; gaps in the ranks are fine. */
function fromSelects(ballot: Ballot, ranks: string[]): string[] | VoteRefusal {
  const n = ballot.options.length;
  const placed: { rank: number; label: string }[] = [];
  for (let i = 0; i < n; i++) {
    const raw = (ranks[i] ?? "").trim();
    if (raw === "") continue;
    const rank = /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
    if (!(rank >= 1 && rank <= n)) return refuse(rankRange(n));
    if (placed.some((p) => p.rank === rank)) return refuse(RANK_ONCE);
    placed.push({ rank, label: ballot.options[i] });
  }
  return placed.sort((a, b) => a.rank - b.rank).map((p) => p.label);
}
