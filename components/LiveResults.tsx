/**
 * The live results area of the results page and the embed: the connection's
 * state (the LiveState island, with a refresh link for when it cannot update)
 * and the results block the stream's `results` events replace.
 */
import type { Ballot } from "../lib/ballots/types.ts";
import type { Tally } from "../lib/results/tally.ts";
import type { Turnout } from "../lib/live/snapshots.ts";
import { Island } from "./Island.tsx";
import { ResultsBlock } from "./ResultsBlock.tsx";
import LiveState from "../islands/LiveState.tsx";

export interface LiveResultsProps {
  ballot: Ballot;
  tally?: Tally;
  turnout: Turnout;
  hiddenReason?: string;
  now: Date;
  /** Where "refresh" leads: the page this area is on. */
  refresh: string;
}

export function LiveResults(props: LiveResultsProps) {
  const { ballot, tally, turnout, hiddenReason, now, refresh } = props;
  return (
    <>
      <Island component={LiveState} props={{ id: "live-state", refresh }} />
      <div id="results" sse-swap="results" aria-live="polite" aria-describedby="live-state">
        <ResultsBlock
          ballot={ballot}
          tally={tally}
          turnout={turnout}
          hiddenReason={hiddenReason}
          now={now}
        />
      </div>
    </>
  );
}
