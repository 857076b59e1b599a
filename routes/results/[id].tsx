import type { Ballot } from "../../lib/ballots/rules.ts";
import { statusOf } from "../../lib/ballots/rules.ts";
import { visibilityFor } from "../../lib/results/visibility.ts";
import type { Tally } from "../../lib/results/tally.ts";
import type { Turnout } from "../../lib/live/snapshots.ts";
import { BallotHeader } from "../../components/BallotHeader.tsx";
import { LiveResults } from "../../components/LiveResults.tsx";
import { ShareBox } from "../../components/ShareBox.tsx";
import type { Handlers } from "../_context.ts";
import { page } from "../_render.tsx";
import { readerOf, takeRecordedChoice } from "../_reader.ts";
import { publicUrl } from "../_urls.ts";
import { ballotPreview } from "../../lib/share/preview.ts";
import notFound from "../_404.tsx";
import { exportOf, exportResults } from "./_export.ts";

export const handlers: Handlers = {
  async GET(c) {
    // `/results/{id}.csv` and `.json` reach this route: the id segment carries the format.
    const wanted = exportOf(c.req.param("id")!);
    if (wanted) return await exportResults(c, wanted);
    const { oponn } = c.get("deps");
    const ballot = await oponn.getBallot(c.req.param("id")!);
    if (!ballot) return notFound(c);
    const reader = readerOf(c, ballot);
    const visibility = visibilityFor(ballot, reader, oponn.now());
    const results = await oponn.readResults(ballot.id, visibility.shown);
    if (!results) return notFound(c);
    return page(
      c,
      `results: ${ballot.measure}`,
      <ResultsPage
        ballot={ballot}
        tally={results.tally}
        turnout={results.turnout}
        hiddenReason={visibility.shown ? undefined : visibility.reason}
        now={oponn.now()}
        shareUrl={publicUrl(c, `/vote/${ballot.id}`)}
        recordedChoice={takeRecordedChoice(c, ballot.id)}
        mayVote={!(reader.hasVoted && ballot.duplicateCheck !== "none")}
      />,
      200,
      ballotPreview(ballot, publicUrl(c, `/results/${ballot.id}`)),
    );
  },
};

interface ResultsPageProps {
  ballot: Ballot;
  tally?: Tally;
  turnout: Turnout;
  hiddenReason?: string;
  now: Date;
  shareUrl: string;
  /** What this voter just chose, shown once after the vote. */
  recordedChoice: string | null;
  /** False once this browser has voted on a ballot that allows one vote. */
  mayVote: boolean;
}

export default function ResultsPage(props: ResultsPageProps) {
  const { ballot, tally, turnout, hiddenReason, now, shareUrl, recordedChoice, mayVote } = props;
  const active = statusOf(ballot, now) === "active";
  return (
    <section
      class="ballot"
      aria-labelledby="results-heading"
      hx-ext="sse"
      sse-connect={`/ballots/${ballot.id}/live-results`}
    >
      <BallotHeader ballot={ballot} now={now} headingId="results-heading" />
      {recordedChoice !== null && (
        <p class="notice vote-recorded" role="status" data-vote-recorded>
          vote_recorded:{" "}
          <strong>
            <bdi>{recordedChoice}</bdi>
          </strong>
        </p>
      )}
      <h2 class="prompt sub">results</h2>
      <LiveResults
        ballot={ballot}
        tally={tally}
        turnout={turnout}
        hiddenReason={hiddenReason}
        now={now}
        refresh={`/results/${ballot.id}`}
      />
      {active && mayVote && (
        <p class="page-links cast-link">
          <a href={`/vote/${ballot.id}`}>cast_a_vote</a>
        </p>
      )}
      {tally && (
        <p class="page-links export-links">
          <a href={`/results/${ballot.id}.csv`} download data-export="csv">export_csv</a>
          <a href={`/results/${ballot.id}.json`} download data-export="json">export_json</a>
        </p>
      )}
      <ShareBox url={shareUrl} title={ballot.measure} />
    </section>
  );
}
