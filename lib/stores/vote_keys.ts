/** Forgetting old idempotency keys of votes (see lib/votes/keys.ts). */
import type { Sql } from "./database.ts";

/**
 * A key is kept long enough for any resend of its vote: nginx gives up on a
 * request after 10 s (proxy_next_upstream_timeout), a client retrying by hand
 * within minutes.
 */
export const VOTE_KEY_TTL_MINUTES = 10;

/** Deletes keys recorded more than VOTE_KEY_TTL_MINUTES ago; returns how many. */
export async function forgetOldVoteKeys(sql: Sql): Promise<number> {
  const result = await sql`
    delete from vote_keys
    where recorded_at < now() - make_interval(mins => ${VOTE_KEY_TTL_MINUTES})`;
  return result.count;
}
