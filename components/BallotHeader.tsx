import type { Ballot } from "../lib/ballots/rules.ts";
import { Status } from "./Status.tsx";

export interface BallotHeaderProps {
  ballot: Ballot;
  now: Date;
  headingId: string;
}

/** The measure and a live status line (replaced by the stream's `status` event). */
export function BallotHeader({ ballot, now, headingId }: BallotHeaderProps) {
  return (
    <header class="ballot-header">
      <h1 id={headingId} class="prompt measure">
        <bdi>{ballot.measure}</bdi>
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
