/**
 * A ballot's status that keeps itself true: the countdown ticks (each second in
 * the last minute, each minute, hour or day before) and the status turns at the
 * instant, with no request. The server's render, in UTC, is the no-JS version;
 * in the browser the instant is shown in the reader's zone and language. The
 * live stream's own status event still replaces this island when it arrives.
 */
import { useContext, useEffect, useState } from "preact/hooks";
import { statusOf, statusText } from "../lib/ballots/status.ts";
import { Time } from "../components/Time.tsx";
import { Arrival } from "./_arrival.ts";
import { observeServerTime, serverNow } from "./_clock.ts";
import { msUntilTextChanges } from "./_countdown.ts";

export interface LiveStatusProps {
  /** ISO 8601 instants. */
  startsAt: string;
  endsAt: string | null;
  /** The server's clock when it rendered this. */
  now: string;
}

/** Timers longer than this are re-armed rather than trusted (setTimeout caps near 24.8 days). */
const MAX_WAIT_MS = 86_400_000;

export default function LiveStatus({ startsAt, endsAt, now }: LiveStatusProps) {
  const ballot = {
    startsAt: new Date(startsAt),
    endsAt: endsAt === null ? null : new Date(endsAt),
  };
  // `null` until mounted: the first render must match the server's HTML.
  const [clock, setClock] = useState<Date | null>(null);
  const arrived = useContext(Arrival);

  useEffect(() => {
    observeServerTime(now, arrived ?? Date.now());
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = () => {
      const at = serverNow();
      setClock(at);
      const wait = msUntilTextChanges(ballot, at);
      if (wait !== null) timer = setTimeout(tick, Math.min(wait, MAX_WAIT_MS));
    };
    tick();
    return () => clearTimeout(timer);
  }, [startsAt, endsAt, now]);

  const at = clock ?? new Date(now);
  const status = statusOf(ballot, at);
  const [word, instant] = status === "pending"
    ? ["starts", startsAt]
    : status === "ended"
    ? ["ended", endsAt!]
    : endsAt === null
    ? ["since", startsAt]
    : ["ends", endsAt];
  return (
    <span class={`status status-${status}`} data-status={status}>
      <span class="status-dot" aria-hidden="true"></span>
      <span class="status-label">{status}</span>
      {/* A timer is not read out on every tick; the status word beside it still is. */}
      <span class="status-text" role="timer">{statusText(ballot, at)}</span>
      <span class="status-at">
        {`${word} `}
        <Time at={instant} local={clock !== null} />
      </span>
    </span>
  );
}
