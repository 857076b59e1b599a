/** `GET /api/v1/ballots/:id`: the ballot, its options, window and settings. */
import { ballotNotFound } from "../../../../lib/api/errors.ts";
import { ballotJson } from "../../../../lib/api/representation.ts";
import type { Handlers } from "../../../_context.ts";
import { publicUrl } from "../../../_urls.ts";

export const handlers: Handlers = {
  async GET(c) {
    const { oponn } = c.get("deps");
    const ballot = await oponn.getBallot(c.req.param("id")!);
    if (!ballot) return ballotNotFound();
    return c.json(ballotJson(ballot, oponn.now(), (path) => publicUrl(c, path)), 200, {
      "Cache-Control": "no-store",
    });
  },
};
