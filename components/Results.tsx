import { formatShare, type Tally } from "../lib/results/tally.ts";

export interface ResultsProps {
  tally: Tally;
}

/** Bars with counts and shares; the block a live `results` event replaces. */
export function Results({ tally }: ResultsProps) {
  return (
    <div class="results" data-total={tally.total}>
      <p class="results-total">
        total_votes: <strong>{tally.total}</strong>
      </p>
      {tally.lines.length === 0 ? <p class="empty">no_options</p> : (
        <ol class="result-rows">
          {tally.lines.map((line) => (
            <li class="result-row" data-option={line.label} data-count={line.votes}>
              <div class="result-head">
                <span class="result-label">
                  {line.label}
                  {line.writeIn && <span class="tag">write_in</span>}
                </span>
                <span class="result-figures">
                  <span class="result-count">{line.votes}</span>
                  <span class="result-share">{formatShare(line.share)}</span>
                </span>
              </div>
              <div class="bar" aria-hidden="true">
                <span id={`bar-${labelKey(line.label)}`} class={`fill w-${Math.round(line.share)}`}>
                </span>
              </div>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

/** A stable, attribute-safe key per option so htmx can animate a bar between updates. */
function labelKey(label: string): string {
  let hash = 0x811c9dc5;
  for (const char of label) {
    hash ^= char.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36);
}
