/// <reference lib="dom" />
/**
 * The state of each live stream on the page, as the reader should be told it:
 * `connecting` (page just loaded, no event yet), `live` (the stream is open and
 * has sent something since it opened), `reconnecting` (it dropped and the
 * browser or htmx is trying again) or `offline` (the browser says it has no
 * network). From the moment a stream drops until an event arrives on the new
 * connection, what the page shows is stale: `staleSince` says since when.
 *
 * It listens from the moment the bundle runs (before htmx opens any stream, as
 * the scripts are deferred in order), to htmx-ext-sse's events on the element
 * carrying `sse-connect`, and to the stream itself for its messages: on join the
 * server always sends a `status` event, so "an event since it opened" means the
 * numbers are current again (a `results` event follows whenever they changed).
 *
 * The element itself carries the state for CSS: `data-live="…"`, and
 * `data-stale` while stale.
 */

export type LiveState = "connecting" | "live" | "reconnecting" | "offline";

export interface FeedState {
  state: LiveState;
  /** Epoch ms when the page's figures stopped being current; null while they are. */
  staleSince: number | null;
}

/** The stream's event types that carry data (the server's `status`, `results`, `cast`). */
const DATA_EVENTS = ["status", "results", "cast", "message"];

const feeds = new WeakMap<Element, FeedState>();
const watchers = new Map<Element, Set<(state: FeedState) => void>>();
const heard = new WeakSet<EventSource>();
const sources = new WeakMap<Element, EventSource>();
/** Streams that failed since they last opened. */
const failed = new WeakSet<Element>();

export function feedOf(element: Element): FeedState {
  return feeds.get(element) ?? { state: "connecting", staleSince: null };
}

/** Calls `watcher` on every change of `element`'s stream; returns the unsubscribe. */
export function watchFeed(element: Element, watcher: (state: FeedState) => void): () => void {
  let set = watchers.get(element);
  if (!set) watchers.set(element, set = new Set());
  set.add(watcher);
  return () => {
    set.delete(watcher);
    if (set.size === 0) watchers.delete(element);
  };
}

function update(element: Element, next: Partial<FeedState>): void {
  const before = feedOf(element);
  const state = { ...before, ...next };
  if (state.state === before.state && state.staleSince === before.staleSince) return;
  feeds.set(element, state);
  element.setAttribute("data-live", state.state);
  element.toggleAttribute("data-stale", state.staleSince !== null);
  for (const watcher of watchers.get(element) ?? []) watcher(state);
}

function dropped(element: Element): void {
  update(element, {
    state: navigator.onLine === false ? "offline" : "reconnecting",
    staleSince: feedOf(element).staleSince ?? Date.now(),
  });
}

function streamElement(event: Event): Element | null {
  const target = event.target;
  return target instanceof Element && target.hasAttribute("sse-connect") ? target : null;
}

function install(): void {
  if (typeof document === "undefined") return;
  document.addEventListener("htmx:sseOpen", (event) => {
    const element = streamElement(event);
    const source = (event as CustomEvent<{ source?: EventSource }>).detail?.source;
    if (!element || !source) return;
    sources.set(element, source);
    failed.delete(element);
    if (heard.has(source)) return;
    // htmx makes a new EventSource when the old one gave up: listen to each once.
    heard.add(source);
    const fresh = () => {
      if (element.isConnected) update(element, { state: "live", staleSince: null });
    };
    for (const type of DATA_EVENTS) source.addEventListener(type, fresh);
  });
  document.addEventListener("htmx:sseError", (event) => {
    const element = streamElement(event);
    if (!element) return;
    failed.add(element);
    dropped(element);
  });
  // The browser says it lost the network: the streams cannot be trusted until it is back.
  globalThis.addEventListener("offline", () => {
    for (const element of document.querySelectorAll("[sse-connect]")) dropped(element);
  });
  globalThis.addEventListener("online", () => {
    for (const element of document.querySelectorAll("[sse-connect][data-live=offline]")) {
      // A connection that never dropped missed nothing (the bytes were held, not lost);
      // one that did stays stale until its new connection brings data.
      const survived = sources.get(element)?.readyState === EventSource.OPEN &&
        !failed.has(element);
      update(element, survived ? { state: "live", staleSince: null } : { state: "reconnecting" });
    }
  });
}

install();
