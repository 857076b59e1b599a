import type { Ballot } from "../lib/ballots/rules.ts";
import LiveStatus from "../islands/LiveStatus.tsx";
import { Island } from "./Island.tsx";

export interface StatusProps {
  ballot: Pick<Ballot, "startsAt" | "endsAt">;
  now: Date;
}

/**
 * A status dot, its words (`starts in 5 minutes`, `ends in 2 hours`, `voting open`,
 * `voting closed`) and the instant itself; live in the browser (islands/LiveStatus.tsx).
 */
export function Status({ ballot, now }: StatusProps) {
  return (
    <Island
      component={LiveStatus}
      props={{
        startsAt: ballot.startsAt.toISOString(),
        endsAt: ballot.endsAt?.toISOString() ?? null,
        now: now.toISOString(),
      }}
    />
  );
}
