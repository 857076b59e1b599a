/**
 * `GET /api/v1/ballots/:id/events`: the live results as JSON events (SSE).
 * The same hub, caps and coalescing as the page's stream
 * (`/ballots/:id/live-results`); the viewer is the `api` audience, which is
 * rendered once per flush with what the public may see.
 */
import { apiError, ballotNotFound } from "../../../../../lib/api/errors.ts";
import type { Handlers } from "../../../../_context.ts";
import { openLiveStream } from "../../../../_live_stream.ts";

export const handlers: Handlers = {
  async GET(c) {
    const { oponn, draining } = c.get("deps");
    if (draining()) {
      return apiError(503, "shutting_down", "The server is restarting; reconnect.", null, {
        headers: { "Retry-After": "2" },
      });
    }
    const ballot = await oponn.getBallot(c.req.param("id")!);
    if (!ballot) return ballotNotFound();
    const opened = await openLiveStream(c, ballot.id, "api");
    if (opened === null) return ballotNotFound();
    if (opened instanceof Response) return opened;
    const headers = { "Retry-After": "10" };
    return opened === "address"
      ? apiError(429, "too_many_streams", "Too many live connections from this address.", null, {
        headers,
      })
      : apiError(
        503,
        "too_many_streams",
        "This server is holding as many live connections as it can; retry in a moment.",
        null,
        { headers },
      );
  },
};
