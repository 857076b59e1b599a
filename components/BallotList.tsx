import type { Ballot } from "../lib/ballots/rules.ts";
import { Status } from "./Status.tsx";

export interface BallotListProps {
  ballots: Ballot[];
  now: Date;
}

export function BallotList({ ballots, now }: BallotListProps) {
  return (
    <section aria-labelledby="ballots-heading">
      <h1 id="ballots-heading" class="prompt">active_ballots</h1>
      {ballots.length === 0
        ? (
          <div class="empty panel">
            <p>no_active_ballots_found</p>
            <a class="btn btn-primary" href="/create">initialize_ballot</a>
          </div>
        )
        : (
          <ul class="ballot-list">
            {ballots.map((ballot) => (
              <li class="ballot-item panel" data-ballot-id={ballot.id}>
                <a class="ballot-measure" href={`/vote/${ballot.id}`}>{ballot.measure}</a>
                <div class="ballot-meta">
                  <code class="ballot-id">{ballot.id}</code>
                  <Status ballot={ballot} now={now} />
                </div>
                <div class="ballot-links">
                  <a href={`/vote/${ballot.id}`}>vote</a>
                  <a href={`/results/${ballot.id}`}>results</a>
                </div>
              </li>
            ))}
          </ul>
        )}
    </section>
  );
}
