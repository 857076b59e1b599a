/** SQL for recording a batch of votes in one transaction. */
import type { Sql } from "./database.ts";

export interface VoteToRecord {
  ballotId: string;
  label: string;
  writeIn: boolean;
}

/** Per vote, in order: recorded, or why the database refused it. */
export type RecordOutcome = "recorded" | "not_started" | "ended" | "unknown_ballot";

interface WindowRow {
  id: string;
  started: boolean;
  ended: boolean;
}

/**
 * Records every vote whose ballot is open at the transaction's clock, in ONE
 * statement (so one round trip and one implicit transaction): the window
 * check, one multi-row insert into the audit trail and one counter increment
 * per option touched. Counters are upserted in key order so that two batches
 * touching the same options never deadlock. The statement returns the window
 * of every ballot asked about; each vote's outcome is read from it.
 */
export async function recordVotes(sql: Sql, votes: VoteToRecord[]): Promise<RecordOutcome[]> {
  const ballotIds = [...new Set(votes.map((vote) => vote.ballotId))];
  const windows = await sql<WindowRow[]>`
    with windows as (
      select id, starts_at <= now() as started, coalesce(ends_at <= now(), false) as ended
      from ballots where id = any(${ballotIds}::text[])
    ), accepted as (
      select v.ballot_id, v.label, v.write_in, v.ord
      from unnest(
        ${votes.map((v) => v.ballotId)}::text[],
        ${votes.map((v) => v.label)}::text[],
        ${votes.map((v) => String(v.writeIn))}::text[]::bool[]
      ) with ordinality as v(ballot_id, label, write_in, ord)
      join windows w on w.id = v.ballot_id and w.started and not w.ended
    ), recorded as (
      insert into votes (ballot_id, option_label, write_in)
      select ballot_id, label, write_in from accepted order by ord
    ), counted as (
      insert into ballot_options (ballot_id, label, write_in, votes)
      select ballot_id, label, bool_and(write_in), count(*) from accepted
      group by ballot_id, label order by ballot_id, label
      on conflict (ballot_id, label) do update set votes = ballot_options.votes + excluded.votes
    )
    select id, started, ended from windows`;
  const windowById = new Map(windows.map((row) => [row.id, row]));
  return votes.map((vote): RecordOutcome => {
    const window = windowById.get(vote.ballotId);
    if (!window) return "unknown_ballot";
    if (!window.started) return "not_started";
    if (window.ended) return "ended";
    return "recorded";
  });
}
