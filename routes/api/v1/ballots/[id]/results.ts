/** `GET /api/v1/ballots/:id/results`: the counts as anyone may see them (none while hidden). */
import { ballotNotFound } from "../../../../../lib/api/errors.ts";
import { resultsJson } from "../../../../../lib/api/representation.ts";
import { publicVisibility } from "../../../../../lib/results/visibility.ts";
import type { Handlers } from "../../../../_context.ts";

export const handlers: Handlers = {
  async GET(c) {
    const { oponn } = c.get("deps");
    const ballot = await oponn.getBallot(c.req.param("id")!);
    if (!ballot) return ballotNotFound();
    const now = oponn.now();
    // The API knows no reader: it is served what the public is.
    const visibility = publicVisibility(ballot, now);
    const [tally, turnout] = await Promise.all([
      visibility.shown ? oponn.readTally(ballot.id) : Promise.resolve(undefined),
      oponn.manager.turnout(ballot.id),
    ]);
    if (!turnout) return ballotNotFound();
    return c.json(resultsJson(ballot, visibility, tally, turnout, now), 200, {
      "Cache-Control": "no-store",
    });
  },
};
