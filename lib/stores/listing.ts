/** SQL for the home page: public ballots by page, and this browser's own. */
import type { Sql } from "./database.ts";

export interface ListedBallot {
  id: string;
  measure: string;
  startsAt: Date;
  endsAt: Date | null;
}

/**
 * Listed ballots, newest first, `open` (pending or active) or ended. One more
 * row than asked tells the caller whether another page follows.
 */
export async function listPublicBallots(
  sql: Sql,
  options: { open: boolean; offset: number; limit: number },
): Promise<ListedBallot[]> {
  return await sql<ListedBallot[]>`
    select id, measure, starts_at as "startsAt", ends_at as "endsAt" from ballots
    where listing = 'listed'
      and ${options.open} = (ends_at is null or ends_at > now())
    order by created_at desc
    limit ${options.limit + 1} offset ${options.offset}`;
}

/** Created by this browser, or voted on by it (`browser` ballots record it; others by cookie). */
export async function listVoterBallots(
  sql: Sql,
  voterId: string,
  votedIds: string[],
  limit: number,
): Promise<ListedBallot[]> {
  return await sql<ListedBallot[]>`
    select id, measure, starts_at as "startsAt", ends_at as "endsAt" from ballots
    where owner_voter = ${voterId}
      or id = any(${votedIds}::text[])
      or id in (select ballot_id from ballot_voters where voter_id = ${voterId})
    order by created_at desc
    limit ${limit}`;
}
