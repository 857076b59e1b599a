/**
 * The live hub: one per process. It keeps the local viewers of each ballot,
 * coalesces changes so that each ballot is read and rendered at most once per
 * flush interval however many votes or viewers there are, and writes that one
 * encoded chunk to every local viewer. Where a change comes from (this process
 * or another one) is the transport's business.
 */
import type { Audience } from "../results/visibility.ts";
import { encodeEvent, KEEP_ALIVE } from "./sse.ts";
import type { LiveTransport } from "./transport.ts";

/** The page's audiences, and `api`: JSON for API clients, who see what the public sees. */
export type LiveAudience = Audience | "api";

/** The results block as one audience sees it, with its own opaque version (the SSE id). */
export interface AudiencePart {
  version: string;
  results: string;
  /** An audience with its own status event (JSON) gets that one, and no cast button. */
  status?: string;
}

/**
 * What viewers are shown for a ballot at one moment, already rendered: the
 * parts every viewer shares, and the results once per audience. `hidden` is
 * present only while the results are hidden from the public; without it,
 * every viewer is served `shown`.
 */
export interface LiveSnapshot {
  audiences: { shown: AudiencePart; hidden?: AudiencePart; api?: AudiencePart };
  /** Changes only when the ballot opens or closes. */
  statusKey: string;
  status: string;
  cast: string;
  /** When the status will next change by itself, if ever. */
  nextChangeAt: Date | null;
}

export type RenderSnapshot = (ballotId: string) => Promise<LiveSnapshot | null>;

export interface Viewer {
  /** Which render of the results this viewer may see (fixed at join). */
  audience: LiveAudience;
  /** Returns false when the viewer cannot keep up; the hub then drops it. */
  send(chunk: Uint8Array): boolean;
  close(): void;
}

export interface LiveHubOptions {
  render: RenderSnapshot;
  transport: LiveTransport;
  /** At most one flush per ballot per interval. */
  flushIntervalMs?: number;
  /**
   * At most one change message per ballot per gap to the other processes
   * (the first at once, one more at the gap's end if changes came meanwhile).
   */
  publishGapMs?: number;
  /** Viewers written to before the event loop gets a turn (see `#deliver`). */
  sliceSize?: number;
  keepAliveMs?: number;
  onError?: (error: unknown) => void;
  /** A ballot's own state changed (closed, re-timed, published, deleted): drop cached copies. */
  onBallotChanged?: (ballotId: string) => void;
  /** Messages may have been lost (the transport reconnected): drop every cached copy. */
  onResync?: () => void;
}

export interface LiveStats {
  viewers: number;
  ballots: number;
  timers: number;
  flushes: number;
}

interface BallotState {
  viewers: Set<Viewer>;
  current?: LiveSnapshot;
  loading?: Promise<LiveSnapshot | null>;
  changeSeq: number;
  flushedSeq: number;
  flushTimer?: ReturnType<typeof setTimeout>;
  flushing: boolean;
  lastFlushAt: number;
  transitionTimer?: ReturnType<typeof setTimeout>;
}

const MAX_TIMER_MS = 2 ** 31 - 1;
/** Measured by `deno task bench` (fanout): small enough that a vote waits a slice, not a flush. */
const DEFAULT_SLICE_SIZE = 100;

/** A macrotask turn: I/O and timers run before the next slice. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export class LiveHub {
  #ballots = new Map<string, BallotState>();
  #keepAlive?: ReturnType<typeof setInterval>;
  #flushes = 0;
  #closed = false;
  readonly #render: RenderSnapshot;
  readonly #transport: LiveTransport;
  readonly #interval: number;
  readonly #sliceSize: number;
  readonly #publishGapMs: number;
  readonly #recentPublishes = new Map<
    string,
    { again: boolean; timer: ReturnType<typeof setTimeout> }
  >();
  readonly #keepAliveMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #onBallotChanged: (ballotId: string) => void;
  readonly #onResync: () => void;

  constructor(options: LiveHubOptions) {
    this.#render = options.render;
    this.#transport = options.transport;
    this.#interval = options.flushIntervalMs ?? 100;
    this.#publishGapMs = options.publishGapMs ?? 25;
    this.#sliceSize = Math.max(1, options.sliceSize ?? DEFAULT_SLICE_SIZE);
    this.#keepAliveMs = options.keepAliveMs ?? 15_000;
    this.#onError = options.onError ?? ((error) => console.error("live hub:", error));
    this.#onBallotChanged = options.onBallotChanged ?? (() => {});
    this.#onResync = options.onResync ?? (() => {});
    this.#transport.listen({
      changed: (ballotId) => this.#changed(ballotId),
      ballotChanged: (ballotId) => this.#ballotChanged(ballotId),
      resync: () => this.#resyncAll(),
    });
  }

  /** Tells every process that the ballot itself changed (call after commit). */
  async publishBallot(ballotId: string): Promise<void> {
    await this.#transport.publishBallot(ballotId);
  }

  /**
   * Tells every process's viewers that the ballot changed (call after commit).
   * A busy ballot commits a batch every few milliseconds while its viewers get
   * one flush per interval: the first change goes out at once, later ones
   * within the gap become one message at its end (~40 a second instead of
   * ~370 at 64 voters, each costing Redis and every process that listens).
   */
  async publish(ballotId: string, version: number): Promise<void> {
    if (this.#closed) return await this.#transport.publish(ballotId, version);
    const recent = this.#recentPublishes.get(ballotId);
    if (recent) {
      recent.again = true;
      return;
    }
    const timer = setTimeout(() => this.#endPublishGap(ballotId, version), this.#publishGapMs);
    this.#recentPublishes.set(ballotId, { again: false, timer });
    await this.#transport.publish(ballotId, version);
  }

  #endPublishGap(ballotId: string, version: number): void {
    const recent = this.#recentPublishes.get(ballotId);
    this.#recentPublishes.delete(ballotId);
    if (recent?.again) this.publish(ballotId, version).catch(this.#onError);
  }

  /**
   * Adds a viewer: it first receives the current state (results unless
   * `lastEventId` shows it already has them), then every flush.
   * Returns the function that removes it; `null` when the ballot does not exist.
   */
  async join(ballotId: string, viewer: Viewer, lastEventId?: string): Promise<(() => void) | null> {
    let state = this.#ballots.get(ballotId);
    if (!state) {
      state = { viewers: new Set(), changeSeq: 0, flushedSeq: 0, flushing: false, lastFlushAt: 0 };
      this.#ballots.set(ballotId, state);
      await this.#transport.subscribe(ballotId);
    }
    const claim = state;
    // Count the joiner before any await so a concurrent leave does not drop the state.
    const placeholder: Viewer = { audience: "shown", send: () => true, close: () => {} };
    claim.viewers.add(placeholder);
    let snapshot: LiveSnapshot | null | undefined;
    try {
      snapshot = claim.current ?? await this.#load(ballotId, claim);
    } finally {
      claim.viewers.delete(placeholder);
    }
    if (!snapshot || this.#closed) {
      this.#forgetIfEmpty(ballotId, claim);
      return null;
    }
    const part = partFor(snapshot, viewer.audience);
    const resumed = lastEventId !== undefined && lastEventId === part?.version;
    viewer.send(encodeSnapshot(snapshot, part, { results: !resumed, status: true }));
    claim.viewers.add(viewer);
    this.#startKeepAlive();
    return () => this.#leave(ballotId, claim, viewer);
  }

  /** Drops state left without viewers (the reaper's backstop; leaving normally frees it at once). */
  prune(): number {
    let pruned = 0;
    for (const [ballotId, state] of this.#ballots) {
      if (state.viewers.size === 0 && !state.loading) {
        this.#forget(ballotId, state);
        pruned++;
      }
    }
    return pruned;
  }

  stats(): LiveStats {
    let viewers = 0;
    let timers = this.#keepAlive === undefined ? 0 : 1;
    for (const state of this.#ballots.values()) {
      viewers += state.viewers.size;
      if (state.flushTimer !== undefined) timers++;
      if (state.transitionTimer !== undefined) timers++;
    }
    return { viewers, ballots: this.#ballots.size, timers, flushes: this.#flushes };
  }

  subscriptions(): number {
    return this.#transport.subscriptions();
  }

  viewersOf(ballotId: string): number {
    return this.#ballots.get(ballotId)?.viewers.size ?? 0;
  }

  /** Ends every stream (with the SSE retry hint already sent) and frees all state. */
  async close(): Promise<void> {
    this.#closed = true;
    // Changes waiting for their gap's end go out now (the transport stays open for them).
    for (const [ballotId, recent] of this.#recentPublishes) {
      clearTimeout(recent.timer);
      if (recent.again) this.#transport.publish(ballotId, 0).catch(this.#onError);
    }
    this.#recentPublishes.clear();
    for (const [ballotId, state] of this.#ballots) {
      for (const viewer of state.viewers) viewer.close();
      this.#forget(ballotId, state);
    }
    this.#stopKeepAlive();
    await this.#transport.close();
  }

  #load(ballotId: string, state: BallotState): Promise<LiveSnapshot | null> {
    if (!state.loading) {
      state.loading = this.#render(ballotId).then((snapshot) => {
        if (snapshot) {
          state.current = snapshot;
          this.#armTransition(ballotId, state, snapshot);
        }
        return snapshot;
      }).finally(() => {
        state.loading = undefined;
      });
    }
    return state.loading;
  }

  #changed(ballotId: string): void {
    const state = this.#ballots.get(ballotId);
    if (!state) return;
    state.changeSeq++;
    this.#scheduleFlush(ballotId, state);
  }

  #ballotChanged(ballotId: string): void {
    this.#onBallotChanged(ballotId);
    const state = this.#ballots.get(ballotId);
    if (!state) return;
    // Its window may have moved: arm the transition again from the next render.
    clearTimeout(state.transitionTimer);
    state.transitionTimer = undefined;
    this.#changed(ballotId);
  }

  #resyncAll(): void {
    this.#onResync();
    for (const ballotId of this.#ballots.keys()) this.#ballotChanged(ballotId);
  }

  #scheduleFlush(ballotId: string, state: BallotState): void {
    if (state.flushTimer !== undefined || state.flushing || this.#closed) return;
    const wait = Math.max(0, state.lastFlushAt + this.#interval - Date.now());
    state.flushTimer = setTimeout(() => {
      state.flushTimer = undefined;
      this.#flush(ballotId, state).catch(this.#onError);
    }, wait);
  }

  async #flush(ballotId: string, state: BallotState): Promise<void> {
    if (this.#ballots.get(ballotId) !== state || state.viewers.size === 0) return;
    state.flushing = true;
    const seq = state.changeSeq;
    const previous = state.current;
    try {
      // A read already under way may predate this change: wait for it, then read afresh.
      await state.loading?.catch(() => null);
      const snapshot = await this.#load(ballotId, state);
      state.flushedSeq = seq;
      if (!snapshot) return this.#endStreams(ballotId, state);
      const status = previous?.statusKey !== snapshot.statusKey;
      // Encoded once per audience, and only for an audience some viewer belongs to.
      const chunks = new Map<LiveAudience, Uint8Array>();
      const chunkFor = ({ audience }: Viewer) => {
        let chunk = chunks.get(audience);
        if (chunk === undefined) {
          const part = partFor(snapshot, audience);
          const before = previous && partFor(previous, audience);
          const results = before?.version !== part?.version;
          chunk = encodeSnapshot(snapshot, part, { results, status });
          chunks.set(audience, chunk);
        }
        return chunk;
      };
      this.#flushes++;
      // `flushing` holds until the last slice is written: flushes reach each viewer in order.
      await this.#deliver(ballotId, state, chunkFor);
    } finally {
      state.flushing = false;
      state.lastFlushAt = Date.now();
      if (state.changeSeq !== state.flushedSeq) this.#scheduleFlush(ballotId, state);
    }
  }

  /** The ballot is gone (deleted): its streams end and its state is freed. */
  #endStreams(ballotId: string, state: BallotState): void {
    for (const viewer of state.viewers) viewer.close();
    state.viewers.clear();
    this.#forget(ballotId, state);
  }

  /**
   * Writes each viewer its chunk, a slice at a time: after every slice the
   * event loop runs (the socket writes the slice queued, votes, other requests),
   * so a flush to 10,000 viewers never holds the process for its whole length.
   * The viewers are those present when it began; one that left since is skipped.
   */
  async #deliver(
    ballotId: string,
    state: BallotState,
    chunkFor: (viewer: Viewer) => Uint8Array,
  ): Promise<void> {
    const viewers = [...state.viewers];
    for (let start = 0; start < viewers.length; start += this.#sliceSize) {
      if (start > 0) await yieldToEventLoop();
      const end = Math.min(viewers.length, start + this.#sliceSize);
      for (let i = start; i < end; i++) {
        const viewer = viewers[i];
        if (!state.viewers.has(viewer)) continue;
        const chunk = chunkFor(viewer);
        if (chunk.byteLength === 0) continue;
        if (!viewer.send(chunk)) {
          viewer.close();
          this.#leave(ballotId, state, viewer);
        }
      }
    }
  }

  #armTransition(ballotId: string, state: BallotState, snapshot: LiveSnapshot): void {
    if (state.transitionTimer !== undefined || !snapshot.nextChangeAt || this.#closed) return;
    // A few ms late rather than early, so the re-render sees the new status.
    const wait = Math.min(MAX_TIMER_MS, snapshot.nextChangeAt.getTime() - Date.now() + 5);
    state.transitionTimer = setTimeout(() => {
      state.transitionTimer = undefined;
      this.#changed(ballotId);
    }, Math.max(0, wait));
  }

  #leave(ballotId: string, state: BallotState, viewer: Viewer): void {
    if (!state.viewers.delete(viewer)) return;
    this.#forgetIfEmpty(ballotId, state);
  }

  #forgetIfEmpty(ballotId: string, state: BallotState): void {
    if (state.viewers.size === 0 && this.#ballots.get(ballotId) === state) {
      this.#forget(ballotId, state);
    }
  }

  #forget(ballotId: string, state: BallotState): void {
    clearTimeout(state.flushTimer);
    clearTimeout(state.transitionTimer);
    state.flushTimer = state.transitionTimer = undefined;
    if (this.#ballots.get(ballotId) === state) {
      this.#ballots.delete(ballotId);
      Promise.resolve(this.#transport.unsubscribe(ballotId)).catch(this.#onError);
    }
    if (this.#ballots.size === 0) this.#stopKeepAlive();
  }

  #startKeepAlive(): void {
    if (this.#keepAlive !== undefined) return;
    this.#keepAlive = setInterval(() => {
      for (const [ballotId, state] of this.#ballots) {
        this.#deliver(ballotId, state, () => KEEP_ALIVE).catch(this.#onError);
      }
    }, this.#keepAliveMs);
  }

  #stopKeepAlive(): void {
    clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
  }
}

/** Hidden viewers get the hidden render while there is one, the shown one once results are public. */
function partFor(snapshot: LiveSnapshot, audience: LiveAudience): AudiencePart | undefined {
  if (audience === "api") return snapshot.audiences.api;
  return (audience === "hidden" ? snapshot.audiences.hidden : undefined) ??
    snapshot.audiences.shown;
}

/** Empty when the snapshot has no render for this audience (nothing is sent). */
function encodeSnapshot(
  snapshot: LiveSnapshot,
  part: AudiencePart | undefined,
  parts: { results: boolean; status: boolean },
): Uint8Array {
  if (!part) return new Uint8Array();
  const id = part.version;
  let text = "";
  if (parts.results) text += encodeEvent({ id, event: "results", data: part.results });
  if (parts.status && part.status !== undefined) {
    text += encodeEvent({ id, event: "status", data: part.status });
  } else if (parts.status) {
    text += encodeEvent({ id, event: "status", data: snapshot.status });
    text += encodeEvent({ id, event: "cast", data: snapshot.cast });
  }
  return new TextEncoder().encode(text);
}
