import { formatShare, shareOf, type Tally } from "../lib/results/tally.ts";
import { TIE_BREAK_RULE } from "../lib/kinds/index.ts";
import type { Round } from "../lib/kinds/runoff.ts";
import { barKey } from "./Results.tsx";
import { WinnerLine } from "./WinnerLine.tsx";

export interface RankedResultsProps {
  tally: Tally;
  /** Voting is over: the winner is final rather than as it stands. */
  ended: boolean;
}

/**
 * The instant-runoff rounds: per round each continuing option's count, the
 * option eliminated, the exhausted ballots; then the winner and the tie-break
 * rule. A live `results` event replaces it whole, and the bars (stable ids)
 * move to their new widths.
 */
export function RankedResults({ tally, ended }: RankedResultsProps) {
  const runoff = tally.runoff!;
  return (
    <div class="results ranked-results" data-total={tally.total}>
      <RunoffWinner winners={runoff.winners} ended={ended} counted={runoff.rounds.length > 0} />
      {runoff.rounds.length === 0 ? <p class="empty">no_votes_yet</p> : (
        <ol class="rounds">
          {runoff.rounds.map((round) => <RoundBlock key={round.n} round={round} />)}
        </ol>
      )}
      <p class="tie-break" data-tie-break>
        <span class="muted">how_rounds_work:</span> {capitalise(TIE_BREAK_RULE)}
      </p>
    </div>
  );
}

function RoundBlock({ round }: { round: Round }) {
  const out = new Set(round.eliminated);
  return (
    <li class="round" data-round={round.n}>
      <h3 class="round-title">round {round.n}</h3>
      <ol class="result-rows">
        {round.counts.map(({ label, count }) => {
          const share = shareOf(count, round.continuing);
          return (
            <li
              class={out.has(label) ? "result-row eliminated" : "result-row"}
              data-option={label}
              data-count={count}
              data-eliminated={out.has(label) ? "" : undefined}
            >
              <div class="result-head">
                <span class="result-label">
                  <bdi>{label}</bdi>
                  {out.has(label) && <span class="tag">eliminated</span>}
                </span>
                <span class="result-figures">
                  <span class="result-count">{count}</span>
                  <span class="result-share">{formatShare(share)}</span>
                </span>
              </div>
              <div class="bar" aria-hidden="true">
                <span
                  id={`bar-r${round.n}-${barKey(label)}`}
                  class={`fill w-${Math.round(share)}`}
                >
                </span>
              </div>
            </li>
          );
        })}
      </ol>
      <p class="exhausted">
        exhausted: <span data-exhausted={round.exhausted}>{round.exhausted}</span>
      </p>
    </li>
  );
}

function RunoffWinner(
  { winners, ended, counted }: { winners: string[]; ended: boolean; counted: boolean },
) {
  if (!counted) return null;
  if (winners.length === 0) return <p class="winner">no_winner: every ballot is exhausted</p>;
  const lead = winners.length > 1 ? "tie: " : ended ? "winner: " : "winning_now: ";
  return <WinnerLine lead={lead} winners={winners} />;
}

/** The rule reads as sentences on the page. */
function capitalise(text: string): string {
  return text.replace(
    /(^|\. )([a-z])/g,
    (_, stop: string, letter: string) => stop + letter.toUpperCase(),
  );
}
