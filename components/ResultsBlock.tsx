import { statusOf } from "../lib/ballots/rules.ts";
import type { Ballot } from "../lib/ballots/types.ts";
import type { Tally } from "../lib/results/tally.ts";
import { winnersOf } from "../lib/results/winners.ts";
import type { Turnout as TurnoutFigures } from "../lib/live/snapshots.ts";
import { Results } from "./Results.tsx";
import { RankedResults } from "./RankedResults.tsx";
import { WinnerLine } from "./WinnerLine.tsx";

export interface ResultsBlockProps {
  ballot: Ballot;
  turnout: TurnoutFigures;
  now: Date;
  /** The counts, when this reader may see them. */
  tally?: Tally;
  /** Why they are hidden, when they are. */
  hiddenReason?: string;
}

/** What the results page shows and a live `results` event replaces: turnout, then counts or why not. */
export function ResultsBlock({ ballot, turnout, now, tally, hiddenReason }: ResultsBlockProps) {
  const ended = statusOf(ballot, now) === "ended";
  return (
    <div class="results-block">
      <Turnout ballot={ballot} turnout={turnout} />
      {tally
        ? (
          <>
            {tally.runoff ? <RankedResults tally={tally} ended={ended} /> : (
              <>
                {ended && <Winner tally={tally} />}
                <Results tally={tally} ballotId={ballot.id} />
              </>
            )}
          </>
        )
        : (
          <div class="results-hidden" data-results-hidden>
            <p class="prompt sub">results_hidden</p>
            <p>{hiddenReason}</p>
          </div>
        )}
    </div>
  );
}

function Turnout({ ballot, turnout }: { ballot: Ballot; turnout: TurnoutFigures }) {
  return (
    <p class="turnout">
      turnout: <strong data-turnout={turnout.cast}>{turnout.cast}</strong>
      {ballot.duplicateCheck === "code" && (
        <span class="muted">
          &nbsp;of {turnout.codesIssued} voter {turnout.codesIssued === 1 ? "code" : "codes"} used
        </span>
      )}
    </p>
  );
}

function Winner({ tally }: { tally: Tally }) {
  const winners = winnersOf(tally);
  if (winners.length === 0) return <p class="winner">no_votes_cast</p>;
  return <WinnerLine lead={winners.length === 1 ? "winner: " : "tie: "} winners={winners} />;
}
