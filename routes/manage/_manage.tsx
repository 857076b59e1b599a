/** The owner's pages and actions, shared by the keyed and the cookie-only manage routes. */
import type { Ballot } from "../../lib/ballots/types.ts";
import { statusOf } from "../../lib/ballots/rules.ts";
import { parseCodeCount } from "../../lib/ballots/settings.ts";
import type { ActionResult } from "../../lib/ballots/manage.ts";
import { CodesPage } from "../../components/CodesPage.tsx";
import { ManagePage, type ManagePageProps } from "../../components/ManagePage.tsx";
import { ResultsBlock } from "../../components/ResultsBlock.tsx";
import type { Ctx } from "../_context.ts";
import { field, readForm } from "../_form.ts";
import { isHtmx, pageOrFragment, redirectAfterPost } from "../_render.tsx";
import { publicUrl } from "../_urls.ts";
import notFound from "../_404.tsx";

export const ACTIONS = ["close", "end", "publish", "codes", "delete"] as const;
export type Action = typeof ACTIONS[number];

/**
 * The ballot, when this request may manage it: with its manage key from any
 * browser, or without one from the owner's own. Otherwise `null`, which the
 * routes answer exactly as an unknown ballot (404).
 */
export async function managedBallot(c: Ctx, key?: string): Promise<Ballot | null> {
  const { oponn } = c.get("deps");
  const ballot = await oponn.getBallot(c.req.param("id")!);
  if (!ballot) return null;
  if (key !== undefined) return await oponn.manager.keyMatches(ballot.id, key) ? ballot : null;
  return ballot.ownerVoter === c.get("voterId") ? ballot : null;
}

export function baseOf(ballot: Ballot, key?: string): string {
  return key === undefined ? `/manage/${ballot.id}` : `/manage/${ballot.id}/${key}`;
}

export async function managePage(
  c: Ctx,
  ballot: Ballot,
  base: string,
  extra: { errors?: ManagePageProps["errors"]; status?: number } = {},
): Promise<Response> {
  const { oponn } = c.get("deps");
  const done = c.req.query("done");
  const notice = done && done in NOTICES ? NOTICES[done as keyof typeof NOTICES] : undefined;
  const now = oponn.now();
  const results = await oponn.readResults(ballot.id, true);
  if (!results) return notFound(c);
  const { tally, turnout } = results;
  const body = (
    <ManagePage
      ballot={ballot}
      now={now}
      base={base}
      shareUrl={publicUrl(c, `/vote/${ballot.id}`)}
      csrfToken={c.get("csrfToken")}
      results={<ResultsBlock ballot={ballot} tally={tally} turnout={turnout} now={now} />}
      errors={extra.errors ?? {}}
      ended={statusOf(ballot, now) === "ended"}
      notice={notice}
    />
  );
  const status = extra.status ?? 200;
  return pageOrFragment(c, `manage: ${ballot.measure}`, body, { page: status, fragment: 200 });
}

const NOTICES: Record<Exclude<Action, "codes" | "delete">, string> = {
  close: "Voting is closed.",
  end: "The end is set.",
  publish: "The results are published.",
};

export async function runAction(
  c: Ctx,
  ballot: Ballot,
  action: string,
  base: string,
): Promise<Response> {
  if (!(ACTIONS as readonly string[]).includes(action)) return notFound(c);
  const { manager } = c.get("deps").oponn;
  const body = await readForm(c);
  let result: ActionResult;
  switch (action as Action) {
    case "close":
      result = await manager.close(ballot);
      break;
    case "end":
      result = await manager.end(ballot, field(body, "ends_at"), field(body, "tz_offset_mins"));
      break;
    case "publish":
      result = await manager.publish(ballot);
      break;
    case "codes": {
      const count = parseCodeCount(field(body, "voter_codes"));
      result = typeof count === "string"
        ? { ok: false, field: "voter_codes", message: count }
        : await manager.issueCodes(ballot, count);
      break;
    }
    case "delete":
      result = await manager.delete(ballot, field(body, "confirm"));
      break;
  }
  if (!result.ok) {
    const fresh = await c.get("deps").oponn.getBallot(ballot.id) ?? ballot;
    return managePage(c, fresh, base, { errors: { [result.field]: result.message }, status: 400 });
  }
  if (action === "delete") return redirectAfterPost(c, "/?deleted=1");
  if (action === "codes") return codesPage(c, ballot, result.codes ?? [], base);
  // Back to the manage page, so a reload does not post the action again.
  return redirectAfterPost(c, `${base}?done=${action}`);
}

/** Codes are in this one response and nowhere else. */
export function codesPage(c: Ctx, ballot: Ballot, codes: string[], manageUrl: string): Response {
  const response = pageOrFragment(
    c,
    `voter_codes: ${ballot.measure}`,
    <CodesPage ballotId={ballot.id} measure={ballot.measure} codes={codes} manageUrl={manageUrl} />,
  );
  if (isHtmx(c)) {
    response.headers.set("HX-Retarget", "#main");
    response.headers.set("HX-Reswap", "innerHTML");
  }
  return response;
}
