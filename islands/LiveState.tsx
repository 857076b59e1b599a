/**
 * Whether the figures beside it are live: `live`, `connecting`, `reconnecting`
 * or `offline`, from the page's live stream (islands/_live_feed.ts), and from
 * the moment the stream drops until fresh data arrives, that the figures are
 * stale and since when. The server's render is the no-JavaScript version: the
 * page does not update by itself, and a link to load it again.
 *
 * Its element's id is what the figures' `aria-describedby` names, so a screen
 * reader hears their state with them; its text is a polite live region.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { feedOf, type FeedState, watchFeed } from "./_live_feed.ts";

export interface LiveStateProps {
  /** The element id (for `aria-describedby` on the figures). */
  id: string;
  /** This page's own path: reloading it brings current figures. */
  refresh: string;
}

export default function LiveState({ id, refresh }: LiveStateProps) {
  // `null` until mounted: the first render must match the server's HTML.
  const [feed, setFeed] = useState<FeedState | null>(null);
  const ref = useRef<HTMLParagraphElement>(null);

  useEffect(() => {
    const stream = ref.current?.closest("[sse-connect]");
    if (!stream) return;
    setFeed(feedOf(stream));
    return watchFeed(stream, setFeed);
  }, []);

  if (feed === null) {
    return (
      <p id={id} ref={ref} class="live-state" data-live-state="static">
        This page does not update by itself. <a href={refresh}>refresh</a>
      </p>
    );
  }
  const stale = feed.staleSince !== null;
  return (
    <p
      id={id}
      ref={ref}
      class={`live-state live-${feed.state}`}
      data-live-state={feed.state}
      data-stale={stale ? "" : undefined}
      role="status"
    >
      <span class="live-dot" aria-hidden="true"></span>
      <span class="live-word">{feed.state}</span>
      {stale && (
        <>
          {" · "}
          <span class="live-stale">
            stale_since{" "}
            <time dateTime={new Date(feed.staleSince!).toISOString()}>
              {new Date(feed.staleSince!).toLocaleTimeString()}
            </time>
          </span>
          <span class="sr-only">: the results below may be out of date.</span>
          {" · "}
          <a href={refresh}>refresh</a>
        </>
      )}
    </p>
  );
}
