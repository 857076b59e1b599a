/** `POST /api/v1/ballots/:id/votes`: cast a vote by the same rules as the vote form. */
import {
  apiError,
  ballotNotFound,
  BROWSER_BALLOT_MESSAGE,
  voteRefused,
} from "../../../../../lib/api/errors.ts";
import { readJson, voteFormOf } from "../../../../../lib/api/requests.ts";
import { VoteRequest } from "../../../../../lib/api/schemas.ts";
import {
  chooseVoteKey,
  PROXY_REQUEST_ID_HEADER,
  VOTE_KEY_HEADER,
  VOTE_KEY_MESSAGE,
} from "../../../../../lib/votes/keys.ts";
import type { Handlers, RouteRulesByMethod } from "../../../../_context.ts";

export const rules: RouteRulesByMethod = { POST: { csrf: false, limit: "vote" } };

export const handlers: Handlers = {
  async POST(c) {
    const { oponn, metrics } = c.get("deps");
    const ballot = await oponn.getBallot(c.req.param("id")!);
    if (!ballot) return ballotNotFound();
    // One vote per browser needs a browser: the API has none to tell apart.
    if (ballot.duplicateCheck === "browser") {
      return apiError(403, "browser_ballot", BROWSER_BALLOT_MESSAGE);
    }
    const key = chooseVoteKey({
      header: c.req.header(VOTE_KEY_HEADER),
      proxyRequestId: c.req.header(PROXY_REQUEST_ID_HEADER),
    });
    if (key === undefined) return apiError(400, "invalid_idempotency_key", VOTE_KEY_MESSAGE);
    const body = await readJson(c.req.raw, VoteRequest);
    if (!body.ok) return body.response;
    // The voter id reaches the store only on a `browser` ballot, refused above.
    const result = await oponn.castVote(ballot, voteFormOf(body.value), "", key);
    if (!result.ok) {
      metrics.inc("votes_refused_total");
      return voteRefused(result);
    }
    metrics.inc("votes_accepted_total");
    return c.json({ ballot_id: ballot.id, choice: result.choice }, 201, {
      "Cache-Control": "no-store",
    });
  },
};
