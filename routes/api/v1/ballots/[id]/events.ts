/**
 * `GET /api/v1/ballots/:id/events`: the live results as JSON events (SSE).
 * The same hub, caps and coalescing as the page's stream
 * (`/ballots/:id/live-results`); the viewer is the `api` audience, which is
 * rendered once per flush with what the public may see.
 */
import { apiError, ballotNotFound } from "../../../../../lib/api/errors.ts";
import type { Viewer } from "../../../../../lib/live/hub.ts";
import type { Handlers } from "../../../../_context.ts";
import { clientKey } from "../../../../_guards.ts";

/** A viewer whose unread backlog passes this is dropped rather than buffered without limit. */
const MAX_BACKLOG_BYTES = 256 * 1024;
/** Sent first: how long a client waits before reconnecting after the stream drops. */
const RETRY_HINT = new TextEncoder().encode("retry: 2000\n\n");

export const handlers: Handlers = {
  async GET(c) {
    const { oponn, hub, metrics, draining, limits } = c.var.deps;
    if (draining()) {
      return apiError(503, "shutting_down", "The server is restarting; reconnect.", null, {
        headers: { "Retry-After": "2" },
      });
    }
    const ballot = await oponn.getBallot(c.req.param("id")!);
    if (!ballot) return ballotNotFound();
    const release = limits?.streams?.open(clientKey(c)) ?? (() => {});
    if (typeof release === "string") {
      metrics.inc("sse_refused_total");
      const headers = { "Retry-After": "10" };
      return release === "address"
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
    }

    let closed = false;
    let leave: (() => void) | null = null;
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const stop = () => {
      if (closed) return;
      closed = true;
      release();
      leave?.();
    };
    const stream = new ReadableStream<Uint8Array>(
      {
        start(ctrl) {
          controller = ctrl;
        },
        cancel: stop,
      },
      new ByteLengthQueuingStrategy({ highWaterMark: 16 * 1024 }),
    );
    const viewer: Viewer = {
      audience: "api",
      send(chunk) {
        if (closed) return false;
        if ((controller.desiredSize ?? 0) < -MAX_BACKLOG_BYTES) {
          metrics.inc("sse_dropped_slow_total");
          return false;
        }
        if (chunk.byteLength > 0) controller.enqueue(chunk);
        return true;
      },
      close() {
        if (closed) return;
        stop();
        try {
          controller.close();
        } catch { /* already closed by the client */ }
      },
    };

    controller.enqueue(RETRY_HINT);
    try {
      leave = await hub.join(ballot.id, viewer, c.req.header("last-event-id"));
    } catch (error) {
      stop();
      throw error;
    }
    if (!leave) {
      stop();
      return ballotNotFound();
    }
    if (closed) leave();
    metrics.inc("sse_connections_total");
    return new Response(stream, {
      headers: {
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-cache, no-transform",
        "X-Accel-Buffering": "no",
      },
    });
  },
};
