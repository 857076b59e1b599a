import type { Ballot } from "../lib/ballots/rules.ts";
import { BallotList } from "../components/BallotList.tsx";
import type { Handlers } from "./_context.ts";
import { page } from "./_render.tsx";

export const handlers: Handlers = {
  async GET(c) {
    const { oponn } = c.var.deps;
    const ballots = await oponn.listBallots();
    return page(c, "active_ballots", <DashboardPage ballots={ballots} now={oponn.now()} />);
  },
};

export default function DashboardPage({ ballots, now }: { ballots: Ballot[]; now: Date }) {
  return <BallotList ballots={ballots} now={now} />;
}
