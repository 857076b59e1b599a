/** When a status text next changes, so a countdown wakes only then (seconds in the last minute). */
import type { Ballot } from "../lib/ballots/types.ts";
import { nextTransition } from "../lib/ballots/status.ts";

/** The units `formatSpan` counts in, largest first: the text changes when a whole one passes. */
const STEPS = [86_400_000, 3_600_000, 60_000, 1_000];

/** Milliseconds until `statusText(ballot, now)` reads differently, or `null` when it never will. */
export function msUntilTextChanges(
  ballot: Pick<Ballot, "startsAt" | "endsAt">,
  now: Date,
): number | null {
  const next = nextTransition(ballot, now);
  if (!next) return null;
  const remaining = next.getTime() - now.getTime();
  const step = STEPS.find((size) => remaining >= size) ?? 1_000;
  const whole = Math.floor(remaining / step) * step;
  // The count is rounded down, so it drops one millisecond after a whole step;
  // under a second, what changes next is the status itself, at the instant.
  return whole === 0 ? remaining : remaining - whole + 1;
}
