/**
 * The bare floor's optional database (bench/bare_floor.ts with
 * FLOOR_DATABASE_URL): Oponn's batching vote writer (lib/votes/writer.ts, one
 * batch in flight) committing each batch with the least a stored vote needs,
 * one audit row per vote and one counter upsert, in one statement on one
 * connection with generic plans, as Oponn's writer has. What a commit per
 * round trip costs any server under the same closed loop of voters.
 */
import postgres from "postgres";
import type { RecordOutcome, VoteToRecord } from "../lib/stores/votes.ts";
import { VoteWriter } from "../lib/votes/writer.ts";

export const FLOOR_SCHEMA = `
  create table if not exists floor_votes (
    id bigint generated always as identity primary key,
    ballot_id text not null,
    option_label text not null,
    cast_at timestamptz not null default now()
  );
  create table if not exists floor_counts (
    ballot_id text not null,
    label text not null,
    votes bigint not null default 0,
    primary key (ballot_id, label)
  );
`;

export async function floorWriter(databaseUrl: string): Promise<VoteWriter> {
  const sql = postgres(databaseUrl, {
    max: 1,
    onnotice: () => {},
    connection: { plan_cache_mode: "force_generic_plan" },
  });
  await sql.unsafe(FLOOR_SCHEMA);
  const record = async (votes: VoteToRecord[]): Promise<RecordOutcome[]> => {
    // Ballot ids are server-made and the floor's options hold no line feed.
    const ballots = votes.map((vote) => vote.ballotId).join(",");
    const labels = votes.map((vote) => vote.label ?? "").join("\n");
    await sql`
      with input as (
        select * from unnest(
          string_to_array(${ballots}::text, ','),
          string_to_array(${labels}::text, ${"\n"}::text)
        ) with ordinality as v(ballot_id, label, ord)
      ), recorded as (
        insert into floor_votes (ballot_id, option_label)
        select ballot_id, label from input order by ord
      )
      insert into floor_counts (ballot_id, label, votes)
      select ballot_id, label, count(*) from input
      group by ballot_id, label
      order by ballot_id, label
      on conflict (ballot_id, label) do update set votes = floor_counts.votes + excluded.votes`;
    return votes.map((): RecordOutcome => "recorded");
  };
  return new VoteWriter(record, { concurrency: 1, maxBatch: 500 });
}
