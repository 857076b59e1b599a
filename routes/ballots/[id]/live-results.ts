/** `GET /ballots/:id/live-results`: the live results stream (Server-Sent Events). */
import type { Viewer } from "../../../lib/live/hub.ts";
import type { Handlers } from "../../_context.ts";
import notFound from "../../_404.tsx";
import { clientKey } from "../../_guards.ts";
import { visibilityOf } from "../../_reader.ts";
import { audienceOf } from "../../../lib/results/visibility.ts";

/** A viewer whose unread backlog passes this is dropped rather than buffered without limit. */
const MAX_BACKLOG_BYTES = 256 * 1024;
/** Sent first: how long a browser waits before reconnecting after the stream drops. */
const RETRY_HINT = new TextEncoder().encode("retry: 2000\n\n");

export const handlers: Handlers = {
  async GET(c) {
    const { oponn, hub, metrics, draining, limits } = c.var.deps;
    if (draining()) return c.text("Shutting down, reconnect", 503);
    const ballot = await oponn.getBallot(c.req.param("id")!);
    if (!ballot) return notFound(c);
    const release = limits?.streams?.open(clientKey(c)) ?? (() => {});
    if (typeof release === "string") {
      metrics.inc("sse_refused_total");
      const message = release === "address"
        ? "Too many live connections from this address; close some tabs and reload."
        : "This server is holding as many live connections as it can; reload in a moment.";
      return c.text(message, release === "address" ? 429 : 503, { "Retry-After": "10" });
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
      // Fixed at join: a viewer who may not see counts is served the hidden render.
      audience: audienceOf(visibilityOf(c, ballot)),
      send(chunk) {
        if (closed) return false;
        if ((controller.desiredSize ?? 0) < -MAX_BACKLOG_BYTES) {
          metrics.inc("sse_dropped_slow_total");
          return false;
        }
        controller.enqueue(chunk);
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
      return notFound(c);
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
