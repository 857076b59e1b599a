/** SQL for recording a batch of votes in one statement. */
import type { Sql } from "./database.ts";

/** One option counter a vote raises by one (computed by lib/ballots/labels.ts and lib/kinds). */
export interface OptionDelta {
  label: string;
  key: string;
  writeIn: boolean;
}

/**
 * One vote. A single choice gives `label`/`key`/`writeIn`; an approval vote
 * gives `choices` (one delta per option chosen); a ranked vote gives `ranking`.
 */
export interface VoteToRecord {
  ballotId: string;
  label?: string;
  key?: string;
  writeIn?: boolean;
  /** Option counters this vote raises, one each (instead of `label`). */
  choices?: OptionDelta[];
  /** Listed options in order of preference, with their label keys (never empty). */
  ranking?: { labels: string[]; keys: string[] };
  /** `browser` ballots: the signed voter id, one vote each. Never set for other ballots. */
  voterId?: string | null;
  /** `code` ballots: the hash of the voter code this vote redeems. */
  codeHash?: string | null;
  /**
   * The vote's idempotency key (lib/votes/keys.ts): a vote whose key its ballot
   * already recorded is answered `recorded` and not counted again.
   */
  requestKey?: string | null;
  /** What the vote chose, hashed (lib/votes/keys.ts): a key must come back with the same vote. */
  requestFingerprint?: string | null;
}

function deltasOf(vote: VoteToRecord): OptionDelta[] {
  if (vote.choices) return vote.choices;
  if (vote.label === undefined) return [];
  return [{ label: vote.label, key: vote.key ?? vote.label, writeIn: vote.writeIn ?? false }];
}

// Labels and keys never hold a control character (lib/ballots/labels.ts), so a
// line feed joins a ranking into one text value for `unnest`.
const JOIN = "\n";
/** Separates votes' rankings (themselves joined by JOIN) in one text parameter. */
const RECORD = "\u001e";

/**
 * A batch as joined text, one parameter per column, instead of arrays that
 * postgres.js escapes element by element: ballot and voter ids are server-made
 * (no comma), labels hold no control character (so a line feed joins them),
 * and an empty value stands for none. Deltas carry their vote's ordinal.
 */
function joinedColumns(votes: VoteToRecord[]) {
  const deltas = votes.flatMap((vote, index) =>
    deltasOf(vote).map((delta) => ({ ...delta, ord: index + 1 }))
  );
  return {
    ballotIds: votes.map((v) => v.ballotId).join(","),
    voterIds: votes.map((v) => v.voterId ?? "").join(","),
    // Keys hold no comma (lib/votes/keys.ts).
    requestKeys: votes.map((v) => v.requestKey ?? "").join(","),
    requestFingerprints: votes.map((v) => v.requestFingerprint ?? "").join(","),
    ords: deltas.map((d) => d.ord).join(","),
    labels: deltas.map((d) => d.label).join(JOIN),
    deltas,
  };
}

/** Per vote, in order: recorded, or why the database refused it. */
export type RecordOutcome =
  | "recorded"
  | "not_started"
  | "ended"
  | "unknown_ballot"
  | "write_in_limit"
  | "duplicate"
  | "code_invalid"
  | "key_reused";

/**
 * Records a batch in ONE statement (one round trip, one implicit transaction)
 * that decides and reports each vote's outcome by ordinal:
 * - the open window, at the transaction's clock;
 * - idempotency keys: a vote whose key (`requestKey`) its ballot recorded in
 *   `vote_keys` is answered `recorded` and counted nowhere, even if the ballot
 *   closed since; an accepted vote's key is recorded before any counter moves
 *   (see `keyedVotes`); a second vote with one key (in the batch, or from a
 *   batch that committed while this one waited) is not counted, and is refused
 *   `key_reused` if it is not the vote recorded under the key;
 * - one vote per voter: a `browser` ballot's voter id is claimed in
 *   `ballot_voters` (a unique key, so two tabs racing in two processes cannot
 *   both count), a `code` ballot's code is deleted from `voter_codes`; within
 *   a batch only a voter's or a code's first vote may count, and only a key's
 *   first vote may claim; a keyed vote this refuses is looked at again after
 *   the commit, and answered as a copy if it is one (`settleRefusedCopies`, a
 *   second round trip only for such batches);
 * - the write-in cap: a write-in whose key the ballot does not hold yet takes
 *   a slot from `ballots.write_in_count`, read and raised under the ballot
 *   row's lock (a locking read returns the latest committed row, so batches
 *   from several processes cannot pass the cap together; `no key update`, so
 *   that other batches' foreign-key checks on the ballot never wait on it);
 *   a vote any of whose write-ins is refused is refused whole;
 * - turnout raised on the ballot row by the votes accepted (voters, not choices);
 * - one option counter upsert per key, in key order (two batches never
 *   deadlock), merging into the row that holds the key and keeping its first
 *   spelling; a vote may carry several option deltas (approval);
 * - one ranking counter upsert per distinct ranking, in key order (ranked);
 * - the audit rows, one per vote with every label it chose (none for `code` ballots).
 * Locks are taken ballot rows first (by id), then claims, then idempotency
 * keys, then option counters (by key), then ranking counters (by key).
 */
export async function recordVotes(
  sql: Sql,
  votes: VoteToRecord[],
  /** Distinct write-ins a ballot may hold. */
  maxWriteIns: number,
): Promise<RecordOutcome[]> {
  const outcomes = votes.every(isPlain)
    ? await recordPlainOrRetry(sql, votes, maxWriteIns)
    : await recordAnyVotes(sql, votes, maxWriteIns);
  return await settleRefusedCopies(sql, votes, outcomes);
}

/**
 * The lean statement; a ballot the server took for an open one without a
 * duplicate check that turned out otherwise has its votes (none were recorded)
 * taken again by the full statement.
 */
async function recordPlainOrRetry(
  sql: Sql,
  votes: VoteToRecord[],
  maxWriteIns: number,
): Promise<RecordOutcome[]> {
  const outcomes = await recordPlainVotes(sql, votes);
  const retry = outcomes.flatMap((outcome, index) => outcome === "retry" ? [index] : []);
  if (retry.length > 0) {
    const again = await recordAnyVotes(sql, retry.map((index) => votes[index]), maxWriteIns);
    retry.forEach((index, at) => outcomes[index] = again[at]);
  }
  return outcomes as RecordOutcome[];
}

/**
 * A keyed vote that a ballot's one-vote rule refused (`duplicate`,
 * `code_invalid`) may be a copy of the vote its key recorded: an earlier vote
 * of the same batch (the statements let only a key's first vote claim a voter
 * or a code), or a vote whose batch committed while this one waited on its
 * claim, which the statement's snapshot cannot see. A second look, after the
 * commit, answers a copy `recorded` and another vote under the key
 * `key_reused`. One lookup by key per refused keyed vote, only when there is one.
 */
async function settleRefusedCopies(
  sql: Sql,
  votes: VoteToRecord[],
  outcomes: RecordOutcome[],
): Promise<RecordOutcome[]> {
  const refused = outcomes.flatMap((outcome, index) =>
    (outcome === "duplicate" || outcome === "code_invalid") && votes[index].requestKey
      ? [index]
      : []
  );
  if (refused.length === 0) return outcomes;
  const column = (value: (vote: VoteToRecord) => string) =>
    refused.map((index) => value(votes[index])).join(",");
  // The statements' own lookup (`replayed`), now that the batch has committed.
  const rows = await sql<{ ord: number; same: boolean }[]>`
    with input as (
      select v.ballot_id, v.request_key, coalesce(v.request_fingerprint, '') as request_fingerprint,
        v.ord::int as ord
      from unnest(
        string_to_array(${column((vote) => vote.ballotId)}::text, ','),
        string_to_array(${column((vote) => vote.requestKey ?? "")}::text, ','),
        string_to_array(${column((vote) => vote.requestFingerprint ?? "")}::text, ',')
      ) with ordinality as v(ballot_id, request_key, request_fingerprint, ord)
    ), ${replayedVotes(sql)}
    select ord, same from replayed`;
  const settled = [...outcomes];
  for (const { ord, same } of rows) settled[refused[ord - 1]] = same ? "recorded" : "key_reused";
  return settled;
}

/**
 * A vote the lean statement may take: listed options only (no write-in), not
 * ranked, on a ballot without a duplicate check or with one vote per browser
 * (no voter code). This is nearly every vote on a poll, so it gets a statement
 * without the write-in cap, the codes and the ranking counters (about half the
 * database CPU per batch).
 */
function isPlain(vote: VoteToRecord): boolean {
  if (vote.codeHash || vote.ranking) return false;
  const deltas = deltasOf(vote);
  return deltas.length > 0 && deltas.every((delta) => !delta.writeIn);
}

/**
 * The lean statement: window check, ballot rows locked in id order, then a
 * `browser` ballot's voters claimed in (ballot, voter) order (only a voter's
 * first vote in the batch may claim), then one counter upsert per option key
 * in key order: the full statement's lock order, so the two never deadlock.
 * Then turnout and the audit rows. A vote whose ballot turns out to need the
 * full statement (codes, ranked) is answered `retry` and recorded nowhere.
 * Listed options are fixed when the ballot is made and checked before a vote
 * is submitted, so each label finds its stored counter and key.
 */
async function recordPlainVotes(
  sql: Sql,
  votes: VoteToRecord[],
): Promise<(RecordOutcome | "retry")[]> {
  const columns = joinedColumns(votes);
  const [row] = await sql<{ outcomes: string }[]>`
    with input as (
      select v.ballot_id, nullif(v.voter_id, '') as voter_id,
        nullif(v.request_key, '') as request_key,
        coalesce(v.request_fingerprint, '') as request_fingerprint, v.ord
      from unnest(
        string_to_array(${columns.ballotIds}::text, ','),
        string_to_array(${columns.voterIds}::text, ','),
        string_to_array(${columns.requestKeys}::text, ','),
        string_to_array(${columns.requestFingerprints}::text, ',')
      ) with ordinality as v(ballot_id, voter_id, request_key, request_fingerprint, ord)
      where v.ballot_id is not null
    ), ${replayedVotes(sql)}, input_deltas as (
      select d.vote_ord::int as vote_ord, d.label, d.idx
      from unnest(
        string_to_array(${columns.ords}::text, ','),
        string_to_array(${columns.labels}::text, ${JOIN}::text)
      ) with ordinality as d(vote_ord, label, idx)
    ), windows as (
      select b.id, b.starts_at <= now() as started, coalesce(b.ends_at <= now(), false) as ended,
        b.duplicate_check in ('none', 'browser') and b.kind <> 'ranked' as plain,
        b.duplicate_check
      from ${ballotsVotedOn(sql)}
    ), locked as materialized (
      select id from ballots
      where id in (select id from windows where started and not ended and plain)
      order by id
      for no key update
    ), candidates as (
      select v.ballot_id, v.voter_id, v.request_key, v.request_fingerprint, v.ord,
        w.duplicate_check,
        v.ord = min(v.ord) over (partition by v.ballot_id, v.voter_id)
          and (v.request_key is null
            or v.ord = min(v.ord) over (partition by v.ballot_id, v.request_key)) as first
      from input v join windows w on w.id = v.ballot_id
      where v.ballot_id in (select id from locked) and v.ord not in (select ord from replayed)
    ), claimed as (
      insert into ballot_voters (ballot_id, voter_id)
      select ballot_id, voter_id from candidates
      where duplicate_check = 'browser' and voter_id is not null and first
      order by ballot_id, voter_id
      on conflict do nothing
      returning ballot_id, voter_id
    ), accepted as (
      select c.ballot_id, c.request_key, c.request_fingerprint, c.ord from candidates c
      where c.duplicate_check = 'none'
        or (c.first and exists (
          select 1 from claimed k where k.ballot_id = c.ballot_id and k.voter_id = c.voter_id
        ))
    ), ${keyedVotes(sql)}, accepted_deltas as (
      select a.ballot_id, a.ord, d.idx, o.label, o.label_key
      from counted_votes a
      join input_deltas d on d.vote_ord = a.ord
      join ballot_options o
        on o.ballot_id = a.ballot_id and o.label = d.label and o.position is not null
    ), raised as (
      update ballots b set turnout = b.turnout + t.cast
      from (select ballot_id, count(*) as cast from counted_votes group by ballot_id) t
      where b.id = t.ballot_id
    ), counted as (
      insert into ballot_options (ballot_id, label_key, label, write_in, votes)
      select ballot_id, label_key, min(label), false, count(*)
      from accepted_deltas
      group by ballot_id, label_key
      order by ballot_id, label_key
      on conflict (ballot_id, label_key) do update set votes = ballot_options.votes + excluded.votes
    ), recorded as (
      insert into votes (ballot_id, option_label, write_in, choices)
      select ballot_id, labels[1], false, labels
      from (
        select ballot_id, ord, array_agg(label order by idx) as labels
        from accepted_deltas group by ballot_id, ord
      ) chosen
      order by ord
    )
    select string_agg(case
      when w.id is null then 'unknown_ballot'
      when r.same then 'recorded'
      when not r.same then 'key_reused'
      when not w.started then 'not_started'
      when w.ended then 'ended'
      when not w.plain then 'retry'
      when kc.ord is not null then 'key_reused'
      when a.ord is not null then 'recorded'
      else 'duplicate'
    end, ',' order by v.ord) as outcomes
    from input v
    left join windows w on w.id = v.ballot_id
    left join replayed r on r.ord = v.ord
    left join accepted a on a.ord = v.ord
    left join key_clashes kc on kc.ord = v.ord`;
  return row.outcomes.split(",") as (RecordOutcome | "retry")[];
}

/**
 * The rows of the ballots a batch votes on (as `b`), each looked up by its
 * primary key. A semi-join would do, but under a generic plan (the writer's
 * connection, lib/stores/database.ts) the planner takes the batch for ten
 * ballots and scans every row of a table of a few thousand instead.
 */
function ballotsVotedOn(sql: Sql) {
  return sql`
    (select distinct ballot_id from input) voted_on
    cross join lateral (
      select id, starts_at, ends_at, duplicate_check, kind from ballots
      where id = voted_on.ballot_id
      limit 1
    ) b`;
}

/**
 * The votes whose key their ballot recorded (committed before this statement
 * began), and whether each is the vote recorded under it (`same`). One index
 * lookup per keyed vote: a join would let the planner scan every key kept.
 */
function replayedVotes(sql: Sql) {
  return sql`
    replayed as (
      select ord, same from (
        select v.ord, (
          select k.fingerprint = v.request_fingerprint from vote_keys k
          where k.ballot_id = v.ballot_id and k.request_key = v.request_key
        ) as same
        from input v where v.request_key is not null
      ) looked_up
      where same is not null
    )`;
}

/**
 * The accepted votes' keys, recorded (after the claims, before any counter), and
 * the votes to count: those without a key, and the first vote of each key its
 * ballot had not recorded. A key recorded by a batch still committing when this
 * one began makes this insert wait for it, and then conflict: the update that
 * follows (it changes nothing) hands back the vote recorded under the key, so
 * a vote resent while its first copy commits is answered `recorded` without
 * being counted again, and another vote under that key is refused
 * (`key_clashes`, as is a second vote with one key in a batch).
 */
function keyedVotes(sql: Sql) {
  return sql`
    keys_recorded as (
      insert into vote_keys (ballot_id, request_key, fingerprint)
      select distinct on (ballot_id, request_key) ballot_id, request_key, request_fingerprint
      from accepted where request_key is not null
      order by ballot_id, request_key, ord
      on conflict (ballot_id, request_key) do update set fingerprint = vote_keys.fingerprint
      returning ballot_id, request_key, fingerprint, xmax = 0 as inserted
    ), counted_votes as (
      select a.* from accepted a
      where a.request_key is null or (
        a.ord = (
          select min(b.ord) from accepted b
          where b.ballot_id = a.ballot_id and b.request_key = a.request_key
        )
        and exists (
          select 1 from keys_recorded k
          where k.ballot_id = a.ballot_id and k.request_key = a.request_key and k.inserted
        )
      )
    ), key_clashes as (
      select a.ord from accepted a
      join keys_recorded k on k.ballot_id = a.ballot_id and k.request_key = a.request_key
      where k.fingerprint <> a.request_fingerprint
    )`;
}

/** The full statement, for any batch (see `recordVotes`). */
async function recordAnyVotes(
  sql: Sql,
  votes: VoteToRecord[],
  maxWriteIns: number,
): Promise<RecordOutcome[]> {
  const columns = joinedColumns(votes);
  const { deltas } = columns;
  // A ranking is itself joined by line feeds, so votes' rankings are separated
  // by a record separator.
  const rankings = (part: "keys" | "labels") =>
    votes.map((v) => v.ranking ? v.ranking[part].join(JOIN) : "").join(RECORD);
  const [row] = await sql<{ outcomes: string }[]>`
    with input as (
      select v.ballot_id, nullif(v.voter_id, '') as voter_id, nullif(v.code_hash, '') as code_hash,
        nullif(v.ranking_keys, '') as ranking_keys, nullif(v.ranking_labels, '') as ranking_labels,
        nullif(v.request_key, '') as request_key,
        coalesce(v.request_fingerprint, '') as request_fingerprint, v.ord
      from unnest(
        string_to_array(${columns.ballotIds}::text, ','),
        string_to_array(${columns.voterIds}::text, ','),
        string_to_array(${votes.map((v) => v.codeHash ?? "").join(",")}::text, ','),
        string_to_array(${rankings("keys")}::text, ${RECORD}::text),
        string_to_array(${rankings("labels")}::text, ${RECORD}::text),
        string_to_array(${columns.requestKeys}::text, ','),
        string_to_array(${columns.requestFingerprints}::text, ',')
      ) with ordinality as v(
        ballot_id, voter_id, code_hash, ranking_keys, ranking_labels, request_key,
        request_fingerprint, ord
      )
      where v.ballot_id is not null
    ), ${replayedVotes(sql)}, input_deltas as (
      select d.vote_ord::int as vote_ord, d.label, d.label_key, d.write_in::bool as write_in,
        d.idx
      from unnest(
        string_to_array(${columns.ords}::text, ','),
        string_to_array(${columns.labels}::text, ${JOIN}::text),
        string_to_array(${deltas.map((d) => d.key).join(JOIN)}::text, ${JOIN}::text),
        string_to_array(${deltas.map((d) => String(d.writeIn)).join(",")}::text, ',')
      ) with ordinality as d(vote_ord, label, label_key, write_in, idx)
    ), windows as (
      select b.id, b.starts_at <= now() as started, coalesce(b.ends_at <= now(), false) as ended,
        b.duplicate_check
      from ${ballotsVotedOn(sql)}
    ), open_votes as (
      select v.ballot_id, v.ord, v.voter_id, v.code_hash, v.ranking_keys, v.ranking_labels,
        v.request_key, v.request_fingerprint, w.duplicate_check,
        -- Within one batch, only a voter's (or a code's) first vote may count.
        -- On those, a key's later votes claim nothing either (see settleRefusedCopies).
        case w.duplicate_check
          when 'browser' then v.voter_id is not null and row_number() over (
            partition by v.ballot_id, w.duplicate_check = 'browser', v.voter_id order by v.ord
          ) = 1
          when 'code' then v.code_hash is not null and row_number() over (
            partition by v.ballot_id, w.duplicate_check = 'code', v.code_hash order by v.ord
          ) = 1
          else true
        end and (w.duplicate_check = 'none' or v.request_key is null or row_number() over (
          partition by v.ballot_id, v.request_key order by v.ord
        ) = 1) as first
      from input v join windows w on w.id = v.ballot_id and w.started and not w.ended
      where v.ord not in (select ord from replayed)
    ), open_deltas as (
      -- A listed option keeps the key stored with it (older rows carry one computed in SQL).
      select v.ballot_id, d.label, d.write_in, d.vote_ord as ord, d.idx,
        coalesce(
          (select o.label_key from ballot_options o
            where not d.write_in and o.ballot_id = v.ballot_id and o.label = d.label
              and o.position is not null
            limit 1),
          d.label_key
        ) as label_key
      from input_deltas d join open_votes v on v.ord = d.vote_ord
      where v.first
    ), new_keys as (
      select d.ballot_id, d.label_key,
        row_number() over (partition by d.ballot_id order by min(d.ord)) as n
      from open_deltas d
      where d.write_in and not exists (
        select 1 from ballot_options o
        where o.ballot_id = d.ballot_id and o.label_key = d.label_key
      )
      group by d.ballot_id, d.label_key
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
      where v.first and v.ballot_id in (select id from locked) and not exists (
        select 1 from open_deltas d
        join new_keys k on k.ballot_id = d.ballot_id and k.label_key = d.label_key
        where d.ord = v.ord and not exists (
          select 1 from granted g where g.ballot_id = k.ballot_id and g.label_key = k.label_key
        )
      )
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
    ), ${keyedVotes(sql)}, accepted_deltas as (
      select d.* from open_deltas d where d.ord in (select ord from counted_votes)
    ), raised as (
      update ballots b
      set turnout = b.turnout + t.cast, write_in_count = b.write_in_count + coalesce(w.n, 0)
      from (select ballot_id, count(*) as cast from counted_votes group by ballot_id) t
      left join (
        select d.ballot_id, count(distinct d.label_key) as n
        from accepted_deltas d
        join granted g on g.ballot_id = d.ballot_id and g.label_key = d.label_key
        group by d.ballot_id
      ) w on w.ballot_id = t.ballot_id
      where b.id = t.ballot_id
    ), option_deltas as (
      select ballot_id, label_key, label, write_in, ord, idx, 1 as n from accepted_deltas
      union all
      -- A secret ballot rewrites every counter it holds in each batch, so no counter's
      -- last writer points at the transaction that redeemed a given code.
      select o.ballot_id, o.label_key, o.label, o.write_in, null, null, 0 from ballot_options o
      where o.ballot_id in (select ballot_id from counted_votes where duplicate_check = 'code')
    ), counted as (
      insert into ballot_options (ballot_id, label_key, label, write_in, votes)
      select ballot_id, label_key, (array_agg(label order by ord nulls last, idx))[1],
        bool_and(write_in), sum(n)
      from option_deltas
      group by ballot_id, label_key
      order by ballot_id, label_key
      on conflict (ballot_id, label_key) do update set votes = ballot_options.votes + excluded.votes
      returning ballot_id, label_key, label
    ), ranking_deltas as (
      select ballot_id, encode(sha256(convert_to(ranking_keys, 'UTF8')), 'hex') as ranking_key,
        string_to_array(ranking_keys, ${JOIN}) as ranking, 1 as n
      from counted_votes where ranking_keys is not null
      union all
      select r.ballot_id, r.ranking_key, r.ranking, 0 from ballot_rankings r
      where r.ballot_id in (
        select ballot_id from counted_votes
        where duplicate_check = 'code' and ranking_keys is not null
      )
    ), ranked as (
      insert into ballot_rankings (ballot_id, ranking_key, ranking, votes)
      select ballot_id, ranking_key, min(ranking), sum(n)
      from ranking_deltas
      group by ballot_id, ranking_key
      order by ballot_id, ranking_key
      on conflict (ballot_id, ranking_key) do update
        set votes = ballot_rankings.votes + excluded.votes
    ), recorded as (
      -- The audit trail, except for secret (code) ballots, which keep counters only.
      insert into votes (ballot_id, option_label, write_in, choices)
      select a.ballot_id, (coalesce(x.labels, r.labels))[1], coalesce(x.write_in, false),
        coalesce(x.labels, r.labels)
      from counted_votes a
      cross join lateral (
        select string_to_array(a.ranking_labels, ${JOIN}) as labels
      ) r
      cross join lateral (
        select array_agg(c.label order by d.idx) as labels, bool_or(d.write_in) as write_in
        from accepted_deltas d
        join counted c on c.ballot_id = d.ballot_id and c.label_key = d.label_key
        where d.ord = a.ord
      ) x
      where a.duplicate_check <> 'code'
      order by a.ord
    )
    select string_agg(case
      when w.id is null then 'unknown_ballot'
      when r.same then 'recorded'
      when not r.same then 'key_reused'
      when not w.started then 'not_started'
      when w.ended then 'ended'
      when kc.ord is not null then 'key_reused'
      when a.ord is not null then 'recorded'
      when o.first and c.ord is null then 'write_in_limit'
      when w.duplicate_check = 'code' then 'code_invalid'
      else 'duplicate'
    end, ',' order by v.ord) as outcomes
    from input v
    left join windows w on w.id = v.ballot_id
    left join replayed r on r.ord = v.ord
    left join open_votes o on o.ord = v.ord
    left join capped c on c.ord = v.ord
    left join accepted a on a.ord = v.ord
    left join key_clashes kc on kc.ord = v.ord`;
  return row.outcomes.split(",") as RecordOutcome[];
}
