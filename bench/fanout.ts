/** From vote answer times and viewer receipt times to "commit → last viewer" latencies. */
import type { ViewersResult } from "./viewers.ts";

export interface Delivery {
  /** Streams that saw this event id. */
  streams: number;
  /** When the last of them saw it (wall ms). */
  lastAt: number;
  firstAt: number;
}

/** Merges the viewer processes' reports: event id → delivery. */
export function mergeDeliveries(results: ViewersResult[]): Map<number, Delivery> {
  const byId = new Map<number, Delivery>();
  for (const result of results) {
    for (const [id, streams, firstAt, lastAt] of result.ids) {
      const entry = byId.get(id);
      if (!entry) byId.set(id, { streams, firstAt, lastAt });
      else {
        entry.streams += streams;
        entry.lastAt = Math.max(entry.lastAt, lastAt);
        entry.firstAt = Math.min(entry.firstAt, firstAt);
      }
    }
  }
  return byId;
}

export interface VoteLatencies {
  /** One per vote that reached every viewer: last viewer's receipt − the vote's 2xx answer. */
  latenciesMs: number[];
  /** Votes whose count never reached every viewer. */
  undelivered: number;
}

/**
 * The k-th vote answered (in answer order, on a ballot that started at `baseCount`)
 * means the count had reached baseCount + k by then: its update is the first
 * event whose id (the total) is at least that, and it has arrived when the
 * last of `viewers` streams has seen that id.
 */
export function voteLatencies(
  answeredAt: number[],
  deliveries: Map<number, Delivery>,
  viewers: number,
  baseCount = 0,
): VoteLatencies {
  const complete = [...deliveries]
    .filter(([id, delivery]) => id > baseCount && delivery.streams >= viewers)
    .sort(([a], [b]) => a - b);
  const answers = [...answeredAt].sort((a, b) => a - b);
  const latenciesMs: number[] = [];
  let undelivered = 0;
  let next = 0;
  answers.forEach((at, index) => {
    const count = baseCount + index + 1;
    while (next < complete.length && complete[next][0] < count) next++;
    if (next === complete.length) undelivered++;
    else latenciesMs.push(complete[next][1].lastAt - at);
  });
  return { latenciesMs, undelivered };
}
