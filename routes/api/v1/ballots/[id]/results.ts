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
    const results = await oponn.readResults(ballot.id, visibility.shown);
    if (!results) return ballotNotFound();
    const { tally, turnout } = results;
    return c.json(resultsJson(ballot, visibility, tally, turnout, now), 200, {
      "Cache-Control": "no-store",
    });
  },
};
