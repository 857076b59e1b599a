/**
 * One live stream (Server-Sent Events) of a ballot for one viewer: the page's
 * stream and the API's share it, differing only in the audience they join as
 * and in how they word a refusal.
 */
import type { LiveAudience, Viewer } from "../lib/live/hub.ts";
import type { StreamRefusal } from "../lib/limits/streams.ts";
import type { Ctx } from "./_context.ts";
import { clientKey } from "./_guards.ts";

/** A viewer whose unread backlog passes this is dropped rather than buffered without limit. */
const MAX_BACKLOG_BYTES = 256 * 1024;
/** Sent first: how long a client waits before reconnecting after the stream drops. */
const RETRY_HINT = new TextEncoder().encode("retry: 2000\n\n");

/**
 * The streaming response; a refusal when a stream cap is reached; `null` when
 * the ballot is gone by the time the hub reads it.
 */
export async function openLiveStream(
  c: Ctx,
  ballotId: string,
  audience: LiveAudience,
): Promise<Response | StreamRefusal | null> {
  const { hub, metrics, limits } = c.get("deps");
  const release = limits?.streams?.open(clientKey(c)) ?? (() => {});
  if (typeof release === "string") {
    metrics.inc("sse_refused_total");
    return release;
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
    audience,
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
    leave = await hub.join(ballotId, viewer, c.req.header("last-event-id"));
  } catch (error) {
    stop();
    throw error;
  }
  if (!leave) {
    stop();
    return null;
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
}
