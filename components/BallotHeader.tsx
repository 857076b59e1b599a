import type { Ballot } from "../lib/ballots/rules.ts";
import { Status } from "./Status.tsx";

export interface BallotHeaderProps {
  ballot: Ballot;
  now: Date;
  headingId: string;
}

/**
 * The measure and a live status line (replaced by the stream's `status` event).
 * `dir="auto"` isolates the measure and sets its block's direction from its own
 * text (a `<bdi>` inside would hide that text from the rule).
 */
export function BallotHeader({ ballot, now, headingId }: BallotHeaderProps) {
  return (
    <header class="ballot-header">
      <h1 id={headingId} class="prompt measure" dir="auto">
        {ballot.measure}
      </h1>
      <p
        class="status-line"
        sse-swap="status"
        hx-target="this"
        hx-swap="innerHTML"
        aria-live="polite"
      >
        <Status ballot={ballot} now={now} />
      </p>
    </header>
  );
}
