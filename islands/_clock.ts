/**
 * The server's clock as the browser best knows it. Every island render carries
 * the server's `now`; that instant was already past when its HTML arrived, so
 * `now - arrivedAt` is never more than the true offset. The largest seen is
 * the best estimate: the countdown may turn a moment late (by the network's
 * latency; the server's own status event covers that) but never early, and a
 * stale render replayed by the live stream cannot pull the estimate back.
 */
let offsetMs: number | undefined;

export function observeServerTime(serverNow: string | Date, arrivedAt = Date.now()): void {
  const seen = new Date(serverNow).getTime() - arrivedAt;
  if (Number.isFinite(seen) && (offsetMs === undefined || seen > offsetMs)) offsetMs = seen;
}

export function serverNow(): Date {
  return new Date(Date.now() + (offsetMs ?? 0));
}

/** For tests: forget what was seen. */
export function resetServerClock(): void {
  offsetMs = undefined;
}
