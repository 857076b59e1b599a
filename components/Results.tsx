import {
  formatShare,
  type MoreWriteIns,
  type Tally,
  type TallyLine,
} from "../lib/results/tally.ts";

export interface ResultsProps {
  tally: Tally;
  ballotId: string;
}

/**
 * Bars with counts and shares; the block a live `results` event replaces. Its
 * size is bounded: the store lists the top write-ins and sums the rest into
 * one "more" row, which links to the paged list and carries no `data-option`.
 */
export function Results({ tally, ballotId }: ResultsProps) {
  return (
    <div class="results" data-total={tally.total}>
      <p class="results-total">
        {tally.ofVoters ? "voters" : "total_votes"}: <strong>{tally.total}</strong>
        {tally.ofVoters && (
          <span class="muted">&nbsp;(each share is of voters; a voter may choose several)</span>
        )}
      </p>
      {tally.lines.length === 0 && !tally.more
        ? <p class="empty">no_options</p>
        : (
          <ol class="result-rows">
            {tally.lines.map((line) => <ResultRow key={line.label} line={line} />)}
            {tally.more && <MoreRow more={tally.more} ballotId={ballotId} />}
          </ol>
        )}
    </div>
  );
}

export function ResultRow({ line }: { line: TallyLine }) {
  return (
    <li class="result-row" data-option={line.label} data-count={line.votes}>
      <div class="result-head">
        <span class="result-label">
          <bdi>{line.label}</bdi>
          {line.writeIn && <span class="tag">write_in</span>}
        </span>
        <Figures votes={line.votes} share={line.share} />
      </div>
      <Bar id={`bar-${barKey(line.label)}`} share={line.share} />
    </li>
  );
}

function MoreRow({ more, ballotId }: { more: MoreWriteIns; ballotId: string }) {
  return (
    <li class="result-row result-more" data-more-write-ins={more.writeIns}>
      <div class="result-head">
        <span class="result-label">
          <a href={`/results/${ballotId}/write-ins`}>
            and {more.writeIns} more write-in{more.writeIns === 1 ? "" : "s"}
          </a>
        </span>
        <Figures votes={more.votes} share={more.share} />
      </div>
      <Bar id="bar-more-write-ins" share={more.share} />
    </li>
  );
}

function Figures({ votes, share }: { votes: number; share: number }) {
  return (
    <span class="result-figures">
      <span class="result-count">{votes}</span>
      <span class="result-share">{formatShare(share)}</span>
    </span>
  );
}

function Bar({ id, share }: { id: string; share: number }) {
  return (
    <div class="bar" aria-hidden="true">
      <span id={id} class={`fill w-${Math.round(share)}`}></span>
    </div>
  );
}

/** A stable, attribute-safe id per option so htmx can animate a bar between updates. */
export function barKey(label: string): string {
  let hash = 0x811c9dc5;
  for (const char of label) {
    hash ^= char.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36);
}
