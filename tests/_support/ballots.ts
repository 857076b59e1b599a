/** Ballots written straight into a store, for tests of the store itself. */
import { type BallotToInsert, insertBallot } from "../../lib/stores/ballots.ts";
import type { Sql } from "../../lib/stores/database.ts";

/** The original's behaviour: no duplicate check, listed, results always shown. */
export const ORIGINAL = {
  duplicateCheck: "none",
  listing: "listed",
  resultsVisibility: "always",
  ownerVoter: "test-owner",
  manageKeyHash: "not-a-real-hash",
  codeHashes: [] as string[],
} as const;

/** A ballot of options "yes" and "no", open since a minute ago with no end, as the original's unless `settings` say otherwise. */
export function insertOpenBallot(sql: Sql, id: string, settings: Partial<BallotToInsert> = {}) {
  return insertBallot(sql, id, {
    measure: id,
    options: ["yes", "no"],
    allowWriteIn: false,
    startsAt: new Date(Date.now() - 60_000),
    endsAt: null,
    ...ORIGINAL,
    ...settings,
  });
}
