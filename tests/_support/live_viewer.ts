/**
 * A results viewer that behaves like the browser's EventSource: it keeps the
 * last event id, reconnects after the server's `retry:` delay when the stream
 * ends or fails, and sends `Last-Event-ID` when it does. It remembers what it
 * showed and when, so a test can say how long a viewer was behind.
 */
import { readCounts } from "./client.ts";

export interface Shown {
  at: number;
  total: number;
}

export class LiveViewer {
  /** Totals shown, in order, with the time each appeared. */
  shown: Shown[] = [];
  counts: Record<string, number> = {};
  lastEventId?: string;
  /** Connections opened, and the Last-Event-ID each sent (undefined the first time). */
  connects: {
    at: number;
    lastEventId?: string;
    status?: number;
    endedAt?: number;
    error?: string;
  }[] = [];
  retryMs = 3000;
  /** When each results event arrived (changed or not). */
  resultsAt: number[] = [];
  /** Set when a reconnect got an HTTP error: a browser's EventSource stops for good then. */
  gaveUp?: number;
  #stopped = false;
  #abort?: AbortController;
  #client = Deno.createHttpClient({});
  #loop: Promise<void>;
  #waiters: (() => void)[] = [];

  constructor(readonly url: string) {
    this.#loop = this.#run();
  }

  get total(): number {
    return this.shown.at(-1)?.total ?? -1;
  }

  /** Waits until the viewer shows `total`; returns the time that took, or throws. */
  async waitForTotal(total: number, timeoutMs: number): Promise<number> {
    const start = performance.now();
    const deadline = start + timeoutMs;
    while (this.total !== total) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        throw new Error(`Viewer shows ${this.total}, not ${total}, after ${timeoutMs} ms`);
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        timer = setTimeout(resolve, remaining);
      });
      clearTimeout(timer);
    }
    return performance.now() - start;
  }

  /** When the viewer first showed at least `total` (undefined: never). */
  firstShowing(total: number): number | undefined {
    return this.shown.find((entry) => entry.total >= total)?.at;
  }

  async close(): Promise<void> {
    this.#stopped = true;
    this.#abort?.abort();
    await this.#loop;
    this.#client.close();
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      this.#abort = new AbortController();
      const connect: LiveViewer["connects"][number] = {
        at: performance.now(),
        lastEventId: this.lastEventId,
      };
      this.connects.push(connect);
      try {
        const headers: Record<string, string> = { accept: "text/event-stream" };
        if (this.lastEventId !== undefined) headers["last-event-id"] = this.lastEventId;
        const response = await fetch(this.url, {
          headers,
          signal: this.#abort.signal,
          client: this.#client,
        });
        connect.status = response.status;
        if (!response.ok) {
          await response.body?.cancel();
          this.gaveUp = response.status;
          return;
        }
        if (response.body) await this.#read(response.body);
      } catch (error) {
        // refused, reset or aborted: like EventSource, try again after the retry delay
        connect.error = (error as Error).message;
      }
      connect.endedAt = performance.now();
      if (this.#stopped) break;
      await new Promise((resolve) => setTimeout(resolve, this.retryMs));
    }
  }

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of body) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        this.#event(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  }

  #event(block: string): void {
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      const colon = line.indexOf(":");
      if (colon === 0) continue;
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (name === "id") this.lastEventId = value;
      else if (name === "event") event = value;
      else if (name === "data") data.push(value);
      else if (name === "retry" && /^\d+$/.test(value)) this.retryMs = Number(value);
    }
    if (event !== "results" || data.length === 0) return;
    this.resultsAt.push(performance.now());
    this.counts = readCounts(data.join("\n"));
    const total = Object.values(this.counts).reduce((sum, count) => sum + count, 0);
    if (total !== this.total) this.shown.push({ at: performance.now(), total });
    this.#waiters.splice(0).forEach((wake) => wake());
  }
}

/**
 * The longest time any acknowledged vote took to reach a viewer: for the k-th
 * acknowledgement (in time order), from its ack until the viewer first showed
 * at least k votes. Votes still unshown at `end` count until `end`.
 */
export function longestStaleMs(ackTimes: number[], viewers: LiveViewer[], end: number): number {
  const sorted = [...ackTimes].sort((a, b) => a - b);
  let longest = 0;
  for (const viewer of viewers) {
    sorted.forEach((ackedAt, index) => {
      const shownAt = viewer.firstShowing(index + 1) ?? end;
      longest = Math.max(longest, shownAt - ackedAt);
    });
  }
  return Math.round(longest);
}
