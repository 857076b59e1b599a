import type { ListedBallot } from "../lib/stores/listing.ts";
import { Status } from "./Status.tsx";

export interface BallotListProps {
  heading: string;
  headingId: string;
  ballots: ListedBallot[];
  now: Date;
  /** Show the first-run invitation when the list is empty. */
  empty?: boolean;
  pager?: { param: string; page: number; more: boolean };
}

/** One section of the home page: a heading, one link per ballot, and paging. */
export function BallotList({ heading, headingId, ballots, now, empty, pager }: BallotListProps) {
  return (
    <section aria-labelledby={headingId}>
      <h1 id={headingId} class="prompt">{heading}</h1>
      {ballots.length === 0 && empty
        ? (
          <div class="empty panel">
            <p>no_active_ballots_found</p>
            {/* `initialize_ballot` is the SPEC's name for this link: kept as its id for scripts. */}
            <a class="btn btn-primary" href="/create" id="initialize_ballot">create_ballot</a>
          </div>
        )
        : (
          <ul class="ballot-list">
            {ballots.map((ballot) => (
              <li class="ballot-item panel" data-ballot-id={ballot.id}>
                <a class="ballot-measure" href={`/vote/${ballot.id}`} dir="auto">
                  {ballot.measure}
                </a>
                <div class="ballot-meta">
                  <code class="ballot-id">{ballot.id}</code>
                  <Status ballot={ballot} now={now} />
                </div>
                {/* One tab stop per ballot (the question); the vote page links the results. */}
                <div class="ballot-links">
                  <a href={`/results/${ballot.id}`} tabindex={-1}>
                    results<span class="sr-only">
                      : <bdi>{ballot.measure}</bdi>
                    </span>
                  </a>
                </div>
              </li>
            ))}
          </ul>
        )}
      {pager && (pager.page > 1 || pager.more) && (
        <nav class="pager" aria-label={`${heading} pages`}>
          {pager.page > 1 && <a href={`/?${pager.param}=${pager.page - 1}`} rel="prev">newer</a>}
          <span>page {pager.page}</span>
          {pager.more && <a href={`/?${pager.param}=${pager.page + 1}`} rel="next">older</a>}
        </nav>
      )}
    </section>
  );
}
