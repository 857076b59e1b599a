import type { Ballot } from "../../lib/ballots/rules.ts";
import type { Tally } from "../../lib/results/tally.ts";
import { BallotHeader } from "../../components/BallotHeader.tsx";
import { Results } from "../../components/Results.tsx";
import { ShareBox } from "../../components/ShareBox.tsx";
import type { Handlers } from "../_context.ts";
import { page } from "../_render.tsx";
import { publicUrl } from "../_urls.ts";
import notFound from "../_404.tsx";

export const handlers: Handlers = {
  async GET(c) {
    const { oponn } = c.var.deps;
    const ballot = await oponn.getBallot(c.req.param("id")!);
    if (!ballot) return notFound(c);
    const tally = await oponn.readTally(ballot.id);
    return page(
      c,
      `results: ${ballot.measure}`,
      <ResultsPage
        ballot={ballot}
        tally={tally}
        now={oponn.now()}
        shareUrl={publicUrl(c, `/vote/${ballot.id}`)}
      />,
    );
  },
};

interface ResultsPageProps {
  ballot: Ballot;
  tally: Tally;
  now: Date;
  shareUrl: string;
}

export default function ResultsPage({ ballot, tally, now, shareUrl }: ResultsPageProps) {
  return (
    <section
      class="ballot"
      aria-labelledby="results-heading"
      hx-ext="sse"
      sse-connect={`/ballots/${ballot.id}/live-results`}
    >
      <BallotHeader ballot={ballot} now={now} headingId="results-heading" />
      <h2 class="prompt sub">results</h2>
      <div id="results" sse-swap="results" aria-live="polite">
        <Results tally={tally} />
      </div>
      <p class="page-links">
        <a href={`/vote/${ballot.id}`}>cast_a_vote</a>
      </p>
      <ShareBox url={shareUrl} />
    </section>
  );
}
