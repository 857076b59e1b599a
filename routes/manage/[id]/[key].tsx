/**
 * `GET /manage/{id}/{key}`: the manage page from any browser holding the key.
 * `POST /manage/{id}/{action}`: an action from the owner's own browser.
 */
import type { Handlers } from "../../_context.ts";
import { baseOf, managedBallot, managePage, runAction } from "../_manage.tsx";
import notFound from "../../_404.tsx";

export const handlers: Handlers = {
  async GET(c) {
    const key = c.req.param("key")!;
    const ballot = await managedBallot(c, key);
    if (!ballot) return notFound(c);
    return await managePage(c, ballot, baseOf(ballot, key));
  },

  async POST(c) {
    const ballot = await managedBallot(c);
    if (!ballot) return notFound(c);
    return await runAction(c, ballot, c.req.param("key")!, baseOf(ballot));
  },
};
