/**
 * What one worker lets in before it answers: a cap on requests being answered
 * plus live streams held (Deno.serve exposes no connection count), a check of
 * the descriptors the whole process holds, and a deadline on request bodies.
 * Past a cap the answer is a 503 with `Retry-After`; the work never starts.
 */
import { openDescriptors } from "./descriptors.ts";

export type ConnectionRefusal = "connections" | "descriptors";

export interface ConnectionGuardOptions {
  /** Requests being answered plus live streams held that this worker allows. */
  perWorker: number;
  /** Open descriptors of the process at which new requests are refused. */
  ceiling: number;
  /** Live streams this worker holds (they outlive the request that opened them). */
  openStreams: () => number;
  countDescriptors?: () => number | undefined;
  /** The descriptor count is read at most this often. */
  sampleEveryMs?: number;
  now?: () => number;
}

export class ConnectionGuard {
  readonly #options: ConnectionGuardOptions;
  readonly #count: () => number | undefined;
  readonly #now: () => number;
  readonly #sampleEveryMs: number;
  #inFlight = 0;
  #sampledAt = -Infinity;
  #descriptors: number | undefined;

  constructor(options: ConnectionGuardOptions) {
    this.#options = options;
    this.#count = options.countDescriptors ?? openDescriptors;
    this.#now = options.now ?? (() => performance.now());
    this.#sampleEveryMs = options.sampleEveryMs ?? 100;
  }

  /** A release function for a request let in, or the cap that refused it. */
  enter(): (() => void) | ConnectionRefusal {
    if (this.#inFlight + this.#options.openStreams() >= this.#options.perWorker) {
      return "connections";
    }
    if ((this.descriptors ?? 0) >= this.#options.ceiling) return "descriptors";
    this.#inFlight++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.#inFlight--;
    };
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** The process's open descriptors as last sampled (undefined when it cannot tell). */
  get descriptors(): number | undefined {
    const now = this.#now();
    if (now - this.#sampledAt >= this.#sampleEveryMs) {
      this.#sampledAt = now;
      this.#descriptors = this.#count();
    }
    return this.#descriptors;
  }
}

type Fetch = (request: Request, info?: Deno.ServeHandlerInfo) => Response | Promise<Response>;

export interface GuardedFetchOptions {
  guard: ConnectionGuard;
  /**
   * A request with a body gets its answer within this time or a 408. Every
   * handler answers within a few seconds (the database wait is capped at 5 s)
   * once its body has arrived, so what this ends is a body sent in part.
   */
  bodyTimeoutMs: number;
  /** Seconds a refused client is asked to wait. */
  retryAfterS?: number;
  onRefused?: (why: ConnectionRefusal) => void;
  onTimeout?: () => void;
}

/** Probes answer whatever the load: an operator must see the process is alive. */
const PROBE = /^[a-z]+:\/\/[^/]+\/(healthz|readyz)(\?|$)/;

/**
 * The fetch handler behind the guard. Deno.serve has no timeout and lets no
 * handler close its connection: `Connection: close` on a refusal asks the
 * client to (browsers and nginx do). A handler still waiting for its body at
 * the deadline is answered 408 and left to end when the client goes; until
 * then it still counts against the cap, as its connection is still held.
 */
export function guardFetch(fetch: Fetch, options: GuardedFetchOptions): Fetch {
  const retryAfter = String(options.retryAfterS ?? 5);
  const timeoutMessage = `The request did not complete within ${
    Math.round(options.bodyTimeoutMs / 1000)
  } seconds; send it again in full.`;
  return async (request, info) => {
    if (PROBE.test(request.url)) return await fetch(request, info);
    const leave = options.guard.enter();
    if (typeof leave === "string") {
      options.onRefused?.(leave);
      return plain(
        503,
        "This server is holding as many connections as it can; try again in a few seconds.",
        { "Retry-After": retryAfter },
      );
    }
    const answer = (async () => await fetch(request, info))();
    answer.then(leave, leave);
    if (!request.body) return await answer;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<Response>((resolve) => {
      timer = setTimeout(() => {
        options.onTimeout?.();
        // The handler's own answer, if it ever comes, goes nowhere.
        answer.then((response) => response.body?.cancel().catch(() => {}), () => {});
        resolve(plain(408, timeoutMessage));
      }, options.bodyTimeoutMs);
    });
    try {
      return await Promise.race([answer, late]);
    } finally {
      clearTimeout(timer);
    }
  };
}

function plain(status: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(`${message}\n`, {
    status,
    headers: {
      "Content-Type": "text/plain; charset=utf-8",
      "Cache-Control": "no-store",
      Connection: "close",
      ...headers,
    },
  });
}
