/** `GET /ballots/:id/live-results`: the live results stream (Server-Sent Events). */
import type { Viewer } from "../../../lib/live.ts";
import type { Handlers } from "../../_context.ts";
import notFound from "../../_404.tsx";

/** A viewer whose unread backlog passes this is dropped rather than buffered without limit. */
const MAX_BACKLOG_BYTES = 256 * 1024;
/** Sent first: how long a browser waits before reconnecting after the stream drops. */
const RETRY_HINT = new TextEncoder().encode("retry: 2000\n\n");

export const handlers: Handlers = {
  async GET(c) {
    const { oponn, hub, metrics, draining } = c.var.deps;
    if (draining()) return c.text("Shutting down, reconnect", 503);
    const ballot = await oponn.getBallot(c.req.param("id")!);
    if (!ballot) return notFound(c);

    let closed = false;
    let leave: (() => void) | null = null;
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const stop = () => {
      if (closed) return;
      closed = true;
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
    leave = await hub.join(ballot.id, viewer, c.req.header("last-event-id"));
    if (!leave) return notFound(c);
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
