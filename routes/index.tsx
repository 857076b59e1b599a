import type { ListedBallot } from "../lib/stores/listing.ts";
import { BallotList } from "../components/BallotList.tsx";
import type { Handlers } from "./_context.ts";
import { page } from "./_render.tsx";
import { votedIds } from "./_reader.ts";

const PER_PAGE = 20;
const MAX_PAGE = 500;

export const handlers: Handlers = {
  async GET(c) {
    const { oponn } = c.get("deps");
    const openPage = pageNumber(c.req.query("page"));
    const endedPage = pageNumber(c.req.query("ended_page"));
    const [yours, open, ended] = await Promise.all([
      oponn.listVoterBallots(c.get("voterId"), votedIds(c)),
      oponn.listPublic(true, openPage, PER_PAGE),
      oponn.listPublic(false, endedPage, PER_PAGE),
    ]);
    return page(
      c,
      "active_ballots",
      <DashboardPage
        yours={yours}
        open={open.slice(0, PER_PAGE)}
        ended={ended.slice(0, PER_PAGE)}
        pages={{
          open: openPage,
          ended: endedPage,
          moreOpen: open.length > PER_PAGE,
          moreEnded: ended.length > PER_PAGE,
        }}
        deleted={c.req.query("deleted") === "1"}
        now={oponn.now()}
      />,
    );
  },
};

function pageNumber(raw: string | undefined): number {
  const value = Number(raw);
  return Number.isInteger(value) && value >= 1 ? Math.min(value, MAX_PAGE) : 1;
}

interface DashboardPageProps {
  yours: ListedBallot[];
  open: ListedBallot[];
  ended: ListedBallot[];
  pages: { open: number; ended: number; moreOpen: boolean; moreEnded: boolean };
  deleted: boolean;
  now: Date;
}

export default function DashboardPage(props: DashboardPageProps) {
  const { yours, open, ended, pages, deleted, now } = props;
  return (
    <>
      {deleted && <p class="notice" role="status">ballot_deleted</p>}
      <BallotList
        headingId="ballots-heading"
        heading="active_ballots"
        ballots={open}
        now={now}
        empty
        pager={{ param: "page", page: pages.open, more: pages.moreOpen }}
      />
      {yours.length > 0 && (
        <BallotList headingId="yours-heading" heading="your_ballots" ballots={yours} now={now} />
      )}
      {(ended.length > 0 || pages.ended > 1) && (
        <BallotList
          headingId="ended-heading"
          heading="ended_ballots"
          ballots={ended}
          now={now}
          pager={{ param: "ended_page", page: pages.ended, more: pages.moreEnded }}
        />
      )}
    </>
  );
}
