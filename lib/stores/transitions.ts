/** SQL for the reaper's status announcements. */
import type { Sql } from "./database.ts";

export interface Transition {
  ballotId: string;
  kind: "opened" | "closed";
  at: Date;
}

/** Ballots whose scheduled start or end fell in (since, until]. */
export async function findTransitions(sql: Sql, since: Date, until: Date): Promise<Transition[]> {
  const rows = await sql<{ id: string; kind: "opened" | "closed"; at: Date }[]>`
    select id, 'opened' as kind, starts_at as at from ballots
      where starts_at > ${since} and starts_at <= ${until} and starts_at > created_at
    union all
    select id, 'closed' as kind, ends_at as at from ballots
      where ends_at > ${since} and ends_at <= ${until}`;
  return rows.map((row) => ({ ballotId: row.id, kind: row.kind, at: row.at }));
}
