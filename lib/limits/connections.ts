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
  /** The descriptor count is read at most this often (and less often when reading it is slow). */
  sampleEveryMs?: number;
  now?: () => number;
}

export class ConnectionGuard {
  readonly #options: ConnectionGuardOptions;
  readonly #count: () => number | undefined;
  readonly #now: () => number;
  readonly #sampleEveryMs: number;
  #inFlight = 0;
  #nextSampleAt = -Infinity;
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

  /**
   * The process's open descriptors as last sampled (undefined when it cannot
   * tell). Counting stays under 1% of the time: where the kernel makes it a
   * directory listing (~7.6 ms at 1,000 descriptors), it is read less often.
   */
  get descriptors(): number | undefined {
    const now = this.#now();
    if (now >= this.#nextSampleAt) {
      this.#descriptors = this.#count();
      const cost = this.#now() - now;
      this.#nextSampleAt = now + Math.max(this.#sampleEveryMs, cost * 100);
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

export interface GuardedFetch {
  fetch: (request: Request, info?: Deno.ServeHandlerInfo) => Promise<Response>;
  /** Stops the deadline sweep (a graceful stop; requests still waiting are left alone). */
  close(): void;
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
export function guardFetch(fetch: Fetch, options: GuardedFetchOptions): GuardedFetch {
  const retryAfter = String(options.retryAfterS ?? 5);
  const seconds = Math.max(1, Math.round(options.bodyTimeoutMs / 1000));
  const timeoutMessage = `The request did not complete within ${seconds} second${
    seconds === 1 ? "" : "s"
  }; send it again in full.`;
  const deadlines = new Deadlines(options.bodyTimeoutMs);

  // Plain promises, not async layers: every request passes through here.
  const guarded = (request: Request, info?: Deno.ServeHandlerInfo): Promise<Response> => {
    if (PROBE.test(request.url)) return answerOf(fetch, request, info);
    const leave = options.guard.enter();
    if (typeof leave === "string") {
      options.onRefused?.(leave);
      return Promise.resolve(plain(
        503,
        "This server is holding as many connections as it can; try again in a few seconds.",
        { "Retry-After": retryAfter },
      ));
    }
    const answer = answerOf(fetch, request, info);
    // By the method, not `request.body`: reading that property builds a stream
    // the handler's own read then has to go through (about 4 µs a vote).
    if (request.method === "GET" || request.method === "HEAD") {
      answer.then(leave, leave);
      return answer;
    }
    return new Promise<Response>((resolve, reject) => {
      const waiting = deadlines.add(() => {
        options.onTimeout?.();
        // The handler's own answer, if it ever comes, goes nowhere.
        answer.then((response) => response.body?.cancel().catch(() => {}), () => {});
        resolve(plain(408, timeoutMessage));
      });
      answer.then((response) => {
        deadlines.delete(waiting);
        leave();
        resolve(response);
      }, (error) => {
        deadlines.delete(waiting);
        leave();
        reject(error);
      });
    });
  };
  return { fetch: guarded, close: () => deadlines.close() };
}

/** The handler's answer as a promise, a synchronous throw included. */
function answerOf(fetch: Fetch, request: Request, info?: Deno.ServeHandlerInfo): Promise<Response> {
  try {
    return Promise.resolve(fetch(request, info));
  } catch (error) {
    return Promise.reject(error);
  }
}

interface Waiting {
  at: number;
  expire: () => void;
}

const NOTHING = () => {};

/**
 * A class, not an object literal: V8 may decide that objects from a literal
 * that keeps surviving scavenges are born in the old generation
 * ("allocation-site pretenuring"), and these entries point at whole requests.
 * Measured under 64 voters, that moved ~2-3.5 MB per scavenge into the old
 * generation (5-12 ms scavenges, a mark-compact every ~1.5 s); class
 * instances carry no allocation site, and the heap stays flat.
 */
class WaitingEntry implements Waiting {
  constructor(readonly at: number, public expire: () => void) {}
}

/**
 * One sweep a second (or four per deadline, when shorter) for every request
 * waiting, instead of a timer each: a timer set and cleared costs ~3.6 µs and
 * Promise.race ~6.4 µs here, against ~60 µs for a whole vote. The sweep stops
 * when nothing waits, so an idle process holds no timer.
 */
class Deadlines {
  readonly #waiting = new Set<Waiting>();
  readonly #everyMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(readonly ms: number) {
    this.#everyMs = Math.min(1_000, Math.max(10, ms / 4));
  }

  add(expire: () => void): Waiting {
    const waiting = new WaitingEntry(performance.now(), expire);
    this.#waiting.add(waiting);
    this.#timer ??= setInterval(() => this.#sweep(), this.#everyMs);
    return waiting;
  }

  delete(waiting: Waiting): void {
    this.#waiting.delete(waiting);
    // Let go of the request now: an entry that outlives it (the Set may hold a
    // deleted slot a while, an old-generation entry until the next full GC)
    // would otherwise keep the whole request alive with it.
    waiting.expire = NOTHING;
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #sweep(): void {
    const now = performance.now();
    // Oldest first (a Set keeps insertion order): stop at the first still in time.
    for (const waiting of this.#waiting) {
      if (now - waiting.at < this.ms) break;
      this.#waiting.delete(waiting);
      waiting.expire();
    }
    if (this.#waiting.size === 0) this.close();
  }
}

function plain(status: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(`${message}\n`, {
    status,
    headers: {
      "Content-Type": "text/plain; charset=utf-8",
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
      Connection: "close",
      ...headers,
    },
  });
}
