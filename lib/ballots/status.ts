/**
 * A ballot's status and its words, from its window and a clock. Kept apart from
 * the create rules so the browser's islands bundle only this.
 */
import type { Ballot, BallotStatus } from "./types.ts";

export function statusOf(ballot: Pick<Ballot, "startsAt" | "endsAt">, now: Date): BallotStatus {
  if (now.getTime() < ballot.startsAt.getTime()) return "pending";
  if (ballot.endsAt && now.getTime() >= ballot.endsAt.getTime()) return "ended";
  return "active";
}

export function statusText(ballot: Pick<Ballot, "startsAt" | "endsAt">, now: Date): string {
  switch (statusOf(ballot, now)) {
    case "pending":
      return `starts in ${formatSpan(ballot.startsAt.getTime() - now.getTime())}`;
    case "active":
      return ballot.endsAt
        ? `ends in ${formatSpan(ballot.endsAt.getTime() - now.getTime())}`
        : "voting open";
    case "ended":
      return "voting closed";
  }
}

const UNITS: [string, number][] = [
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
  ["second", 1_000],
];

/** "5 minutes", "1 hour": the largest whole unit, rounded down. */
export function formatSpan(ms: number): string {
  const span = Math.max(0, ms);
  for (const [unit, size] of UNITS) {
    const count = Math.floor(span / size);
    if (count >= 1 || unit === "second") return `${count} ${unit}${count === 1 ? "" : "s"}`;
  }
  return "0 seconds";
}

/** The next instant at which the ballot's status changes, if any. */
export function nextTransition(
  ballot: Pick<Ballot, "startsAt" | "endsAt">,
  now: Date,
): Date | null {
  if (now.getTime() < ballot.startsAt.getTime()) return ballot.startsAt;
  if (ballot.endsAt && now.getTime() < ballot.endsAt.getTime()) return ballot.endsAt;
  return null;
}
