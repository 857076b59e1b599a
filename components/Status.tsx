import { type Ballot, statusOf, statusText } from "../lib/ballots/rules.ts";

export interface StatusProps {
  ballot: Ballot;
  now: Date;
}

/** A status dot and its words: `starts in 5 minutes`, `ends in 2 hours`, `voting open`, `voting closed`. */
export function Status({ ballot, now }: StatusProps) {
  const status = statusOf(ballot, now);
  return (
    <span class={`status status-${status}`} data-status={status}>
      <span class="status-dot" aria-hidden="true"></span>
      <span class="status-label">{status}</span>
      <span class="status-text">{statusText(ballot, now)}</span>
    </span>
  );
}
