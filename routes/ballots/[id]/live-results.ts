/** `GET /ballots/:id/live-results`: the live results stream (Server-Sent Events). */
import { audienceOf } from "../../../lib/results/visibility.ts";
import type { Handlers } from "../../_context.ts";
import { openLiveStream } from "../../_live_stream.ts";
import { visibilityOf } from "../../_reader.ts";
import notFound from "../../_404.tsx";

export const handlers: Handlers = {
  async GET(c) {
    const { oponn, draining } = c.get("deps");
    if (draining()) return c.text("The server is restarting; reconnect.", 503);
    const ballot = await oponn.getBallot(c.req.param("id")!);
    if (!ballot) return notFound(c);
    // Fixed at join: a viewer who may not see counts is served the hidden render.
    const opened = await openLiveStream(c, ballot.id, audienceOf(visibilityOf(c, ballot)));
    if (opened === null) return notFound(c);
    if (opened instanceof Response) return opened;
    const message = opened === "address"
      ? "Too many live connections from this address; close some tabs and reload."
      : "This server is holding as many live connections as it can; reload in a moment.";
    return c.text(message, opened === "address" ? 429 : 503, { "Retry-After": "10" });
  },
};
