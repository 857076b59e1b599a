/** `POST /manage/{id}/{key}/{action}`: an action from any browser holding the manage key. */
import type { Handlers } from "../../../_context.ts";
import { baseOf, managedBallot, runAction } from "../../_manage.tsx";
import notFound from "../../../_404.tsx";

export const handlers: Handlers = {
  async POST(c) {
    const key = c.req.param("key")!;
    const ballot = await managedBallot(c, key);
    if (!ballot) return notFound(c);
    return await runAction(c, ballot, c.req.param("action")!, baseOf(ballot, key));
  },
};
