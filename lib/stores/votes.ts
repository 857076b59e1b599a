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
 * Records every vote whose ballot is open at the transaction's clock, in one
 * transaction: one multi-row insert into the audit trail and one counter
 * increment per option touched. Counters are updated in key order so that two
 * batches touching the same options never deadlock.
 */
export async function recordVotes(sql: Sql, votes: VoteToRecord[]): Promise<RecordOutcome[]> {
  return await sql.begin(async (tx) => {
    const ballotIds = [...new Set(votes.map((vote) => vote.ballotId))];
    const windows = await tx<WindowRow[]>`
      select id, starts_at <= now() as started, coalesce(ends_at <= now(), false) as ended
      from ballots where id = any(${ballotIds}::text[])`;
    const windowById = new Map(windows.map((row) => [row.id, row]));
    const outcomes = votes.map((vote): RecordOutcome => {
      const window = windowById.get(vote.ballotId);
      if (!window) return "unknown_ballot";
      if (!window.started) return "not_started";
      if (window.ended) return "ended";
      return "recorded";
    });
    const accepted = votes.filter((_, index) => outcomes[index] === "recorded");
    if (accepted.length === 0) return outcomes;

    await tx`
      insert into votes (ballot_id, option_label, write_in)
      select * from unnest(
        ${accepted.map((v) => v.ballotId)}::text[],
        ${accepted.map((v) => v.label)}::text[],
        ${accepted.map((v) => String(v.writeIn))}::text[]::bool[])`;

    const increments = countByOption(accepted);
    await tx`
      insert into ballot_options (ballot_id, label, write_in, votes)
      select * from unnest(
        ${increments.map((i) => i.ballotId)}::text[],
        ${increments.map((i) => i.label)}::text[],
        ${increments.map((i) => String(i.writeIn))}::text[]::bool[],
        ${increments.map((i) => String(i.count))}::text[]::bigint[])
      on conflict (ballot_id, label) do update set votes = ballot_options.votes + excluded.votes`;
    return outcomes;
  }) as RecordOutcome[];
}

interface Increment extends VoteToRecord {
  count: number;
}

function countByOption(votes: VoteToRecord[]): Increment[] {
  const byKey = new Map<string, Increment>();
  for (const vote of votes) {
    const key = `${vote.ballotId}\u0000${vote.label}`;
    const entry = byKey.get(key);
    if (entry) entry.count++;
    else byKey.set(key, { ...vote, count: 1 });
  }
  return [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, increment]) => increment);
}
