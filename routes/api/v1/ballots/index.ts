/** `POST /api/v1/ballots`: create a ballot; the API client owns it through `manage_url` alone. */
import { ballotJson } from "../../../../lib/api/representation.ts";
import { createErrors, createFormsOf, readJson } from "../../../../lib/api/requests.ts";
import { CreateBallotRequest, type CreatedBallotJson } from "../../../../lib/api/schemas.ts";
import type { Handlers, RouteRulesByMethod } from "../../../_context.ts";
import { publicUrl } from "../../../_urls.ts";

// No cookie is read, so there is nothing for a cross-site request to ride on.
export const rules: RouteRulesByMethod = { POST: { csrf: false, limit: "create" } };

export const handlers: Handlers = {
  async POST(c) {
    const body = await readJson(c.req.raw, CreateBallotRequest);
    if (!body.ok) return body.response;
    const { form, settings } = createFormsOf(body.value);
    const { oponn, metrics } = c.get("deps");
    const created = await oponn.createBallot(form, settings, null);
    if (!created.ok) return createErrors(created.errors);
    metrics.inc("ballots_created_total");
    const { ballot, manageKey, codes } = created.value;
    const absolute = (path: string) => publicUrl(c, path);
    const answer: CreatedBallotJson = {
      ...ballotJson(ballot, oponn.now(), absolute),
      manage_url: absolute(`/manage/${ballot.id}/${manageKey}`),
    };
    if (ballot.duplicateCheck === "code") answer.voter_codes = codes;
    return c.json(answer, 201, {
      Location: `/api/v1/ballots/${ballot.id}`,
      "Cache-Control": "no-store",
    });
  },
};
