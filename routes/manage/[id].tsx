/** `/manage/{id}`: the owner's own browser manages its ballot without the key. */
import type { Handlers } from "../_context.ts";
import { baseOf, managedBallot, managePage } from "./_manage.tsx";
import notFound from "../_404.tsx";

export const handlers: Handlers = {
  async GET(c) {
    const ballot = await managedBallot(c);
    if (!ballot) return notFound(c);
    return await managePage(c, ballot, baseOf(ballot));
  },
};
