/** SQL for recording a batch of votes in one statement. */
import type { Sql } from "./database.ts";

/** One counter delta: a vote for `label`, counted under `key` (computed by lib/ballots/labels.ts). */
export interface VoteToRecord {
  ballotId: string;
  label: string;
  key: string;
  writeIn: boolean;
  /** `browser` ballots: the signed voter id, one vote each. Never set for other ballots. */
  voterId?: string | null;
  /** `code` ballots: the hash of the voter code this vote redeems. */
  codeHash?: string | null;
}

/** Per vote, in order: recorded, or why the database refused it. */
export type RecordOutcome =
  | "recorded"
  | "not_started"
  | "ended"
  | "unknown_ballot"
  | "write_in_limit"
  | "duplicate"
  | "code_invalid";

/**
 * Records a batch in ONE statement (one round trip, one implicit transaction)
 * that decides and reports each vote's outcome by ordinal:
 * - the open window, at the transaction's clock;
 * - one vote per voter: a `browser` ballot's voter id is claimed in
 *   `ballot_voters` (a unique key, so two tabs racing in two processes cannot
 *   both count), a `code` ballot's code is deleted from `voter_codes`; within
 *   a batch only a voter's or a code's first vote may count;
 * - the write-in cap: a write-in whose key the ballot does not hold yet takes
 *   a slot from `ballots.write_in_count`, read and raised under the ballot
 *   row's lock (a locking read returns the latest committed row, so batches
 *   from several processes cannot pass the cap together; `no key update`, so
 *   that other batches' foreign-key checks on the ballot never wait on it);
 * - turnout raised on the ballot row;
 * - one counter upsert per key, in key order (two batches never deadlock),
 *   merging into the row that holds the key and keeping its first spelling;
 * - the audit rows, each with the label its counter shows (none for `code` ballots).
 * Locks are taken ballot rows first (by id), then claims, then counter rows (by key).
 */
export async function recordVotes(
  sql: Sql,
  votes: VoteToRecord[],
  /** Distinct write-ins a ballot may hold. */
  maxWriteIns: number,
): Promise<RecordOutcome[]> {
  const rows = await sql<{ outcome: RecordOutcome }[]>`
    with input as (
      select v.ballot_id, v.label, v.label_key, v.write_in, v.voter_id, v.code_hash, v.ord
      from unnest(
        ${votes.map((v) => v.ballotId)}::text[],
        ${votes.map((v) => v.label)}::text[],
        ${votes.map((v) => v.key)}::text[],
        ${votes.map((v) => String(v.writeIn))}::text[]::bool[],
        ${votes.map((v) => v.voterId ?? null)}::text[],
        ${votes.map((v) => v.codeHash ?? null)}::text[]
      ) with ordinality as v(ballot_id, label, label_key, write_in, voter_id, code_hash, ord)
    ), windows as (
      select id, starts_at <= now() as started, coalesce(ends_at <= now(), false) as ended,
        duplicate_check
      from ballots where id in (select ballot_id from input)
    ), open_votes as (
      -- A listed option keeps the key stored with it (older rows carry one computed in SQL).
      select v.ballot_id, v.label, v.write_in, v.ord, v.voter_id, v.code_hash, w.duplicate_check,
        coalesce(
          (select o.label_key from ballot_options o
            where not v.write_in and o.ballot_id = v.ballot_id and o.label = v.label
              and o.position is not null
            limit 1),
          v.label_key
        ) as label_key,
        -- Within one batch, only a voter's (or a code's) first vote may count.
        case w.duplicate_check
          when 'browser' then v.voter_id is not null and row_number() over (
            partition by v.ballot_id, w.duplicate_check = 'browser', v.voter_id order by v.ord
          ) = 1
          when 'code' then v.code_hash is not null and row_number() over (
            partition by v.ballot_id, w.duplicate_check = 'code', v.code_hash order by v.ord
          ) = 1
          else true
        end as first
      from input v join windows w on w.id = v.ballot_id and w.started and not w.ended
    ), new_keys as (
      select v.ballot_id, v.label_key,
        row_number() over (partition by v.ballot_id order by min(v.ord)) as n
      from open_votes v
      where v.first and v.write_in and not exists (
        select 1 from ballot_options o
        where o.ballot_id = v.ballot_id and o.label_key = v.label_key
      )
      group by v.ballot_id, v.label_key
    ), locked as materialized (
      -- Every ballot voted on, in id order, before any other row: turnout and the
      -- write-in count are raised below, and batches never wait on each other in a cycle.
      select id, write_in_count from ballots
      where id in (select ballot_id from open_votes)
      order by id
      for no key update
    ), granted as (
      select k.ballot_id, k.label_key
      from new_keys k join locked l on l.id = k.ballot_id
      where l.write_in_count + k.n <= ${maxWriteIns}
    ), capped as (
      -- Reading "locked" here makes every later write wait for the ballot locks first.
      select v.* from open_votes v
      where v.first and v.ballot_id in (select id from locked) and (not exists (
        select 1 from new_keys k where k.ballot_id = v.ballot_id and k.label_key = v.label_key
      ) or exists (
        select 1 from granted g where g.ballot_id = v.ballot_id and g.label_key = v.label_key
      ))
    ), claimed_voters as (
      insert into ballot_voters (ballot_id, voter_id)
      select ballot_id, voter_id from capped where duplicate_check = 'browser'
      order by ballot_id, voter_id
      on conflict do nothing
      returning ballot_id, voter_id
    ), claimed_codes as (
      -- A used code leaves no row behind: nothing says which code voted, or when.
      delete from voter_codes c using capped v
      where v.duplicate_check = 'code' and c.ballot_id = v.ballot_id and c.code_hash = v.code_hash
      returning c.ballot_id, c.code_hash
    ), accepted as (
      select v.* from capped v
      where v.duplicate_check = 'none'
        or (v.duplicate_check = 'browser' and exists (
          select 1 from claimed_voters cv where cv.ballot_id = v.ballot_id and cv.voter_id = v.voter_id
        ))
        or (v.duplicate_check = 'code' and exists (
          select 1 from claimed_codes cc
          where cc.ballot_id = v.ballot_id and cc.code_hash = v.code_hash
        ))
    ), raised as (
      update ballots b
      set turnout = b.turnout + t.cast, write_in_count = b.write_in_count + t.new_write_ins
      from (
        select a.ballot_id, count(*) as cast, count(distinct g.label_key) as new_write_ins
        from accepted a
        left join granted g on g.ballot_id = a.ballot_id and g.label_key = a.label_key
        group by a.ballot_id
      ) t
      where b.id = t.ballot_id
    ), deltas as (
      select ballot_id, label_key, label, write_in, ord, 1 as n from accepted
      union all
      -- A secret ballot rewrites every counter it holds in each batch, so no counter's
      -- last writer points at the transaction that redeemed a given code.
      select o.ballot_id, o.label_key, o.label, o.write_in, null, 0 from ballot_options o
      where o.ballot_id in (select ballot_id from accepted where duplicate_check = 'code')
    ), counted as (
      insert into ballot_options (ballot_id, label_key, label, write_in, votes)
      select ballot_id, label_key, (array_agg(label order by ord nulls last))[1], bool_and(write_in),
        sum(n)
      from deltas
      group by ballot_id, label_key
      order by ballot_id, label_key
      on conflict (ballot_id, label_key) do update set votes = ballot_options.votes + excluded.votes
      returning ballot_id, label_key, label
    ), recorded as (
      -- The audit trail, except for secret (code) ballots, which keep counters only.
      insert into votes (ballot_id, option_label, write_in)
      select a.ballot_id, c.label, a.write_in
      from accepted a join counted c on c.ballot_id = a.ballot_id and c.label_key = a.label_key
      where a.duplicate_check <> 'code'
      order by a.ord
    )
    select case
      when w.id is null then 'unknown_ballot'
      when not w.started then 'not_started'
      when w.ended then 'ended'
      when a.ord is not null then 'recorded'
      when o.first and c.ord is null then 'write_in_limit'
      when w.duplicate_check = 'code' then 'code_invalid'
      else 'duplicate'
    end as outcome
    from input v
    left join windows w on w.id = v.ballot_id
    left join open_votes o on o.ord = v.ord
    left join capped c on c.ord = v.ord
    left join accepted a on a.ord = v.ord
    order by v.ord`;
  return rows.map((row) => row.outcome);
}
