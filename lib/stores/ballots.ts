/** SQL for ballots and their tallies. */
import type { Ballot, BallotSettings, NewBallot } from "../ballots/types.ts";
import { labelKey } from "../ballots/labels.ts";
import type { TallyRow, WriteInPage } from "../results/types.ts";
import type { Sql } from "./database.ts";

interface BallotRow {
  id: string;
  measure: string;
  allow_write_in: boolean;
  starts_at: Date;
  ends_at: Date | null;
  created_at: Date;
  options: string[];
  duplicate_check: Ballot["duplicateCheck"];
  listing: Ballot["listing"];
  results_visibility: Ballot["resultsVisibility"];
  published_at: Date | null;
  owner_voter: string | null;
  codes_issued: number;
  kind: Ballot["kind"];
  max_choices: number | null;
}

/** What creating a ballot stores besides its question: settings, owner, hashed key and codes. */
export interface BallotToInsert
  extends
    Omit<NewBallot, "kind" | "maxChoices">,
    Partial<Pick<NewBallot, "kind" | "maxChoices">>,
    BallotSettings {
  /** `null`: made through the API, where no browser owns it (its manage key does). */
  ownerVoter: string | null;
  manageKeyHash: string;
  codeHashes: string[];
}

const BALLOT_COLUMNS = `id, measure, allow_write_in, starts_at, ends_at, created_at,
  duplicate_check, listing, results_visibility, published_at, owner_voter, codes_issued, kind,
  max_choices`;

function toBallot(row: BallotRow): Ballot {
  return {
    id: row.id,
    measure: row.measure,
    options: row.options ?? [],
    allowWriteIn: row.allow_write_in,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    createdAt: row.created_at,
    duplicateCheck: row.duplicate_check,
    listing: row.listing,
    resultsVisibility: row.results_visibility,
    publishedAt: row.published_at,
    ownerVoter: row.owner_voter,
    codesIssued: row.codes_issued,
    kind: row.kind,
    maxChoices: row.max_choices,
  };
}

export async function insertBallot(
  sql: Sql,
  id: string,
  ballot: BallotToInsert,
): Promise<Ballot> {
  return await sql.begin(async (tx) => {
    const [row] = await tx<Omit<BallotRow, "options">[]>`
      insert into ballots (
        id, measure, allow_write_in, starts_at, ends_at, duplicate_check, listing,
        results_visibility, owner_voter, manage_key_hash, codes_issued, kind, max_choices
      )
      values (
        ${id}, ${ballot.measure}, ${ballot.allowWriteIn}, ${ballot.startsAt}, ${ballot.endsAt},
        ${ballot.duplicateCheck}, ${ballot.listing}, ${ballot.resultsVisibility},
        ${ballot.ownerVoter}, ${ballot.manageKeyHash}, ${ballot.codeHashes.length},
        ${ballot.kind ?? "single"}, ${ballot.maxChoices ?? null}
      )
      returning ${tx.unsafe(BALLOT_COLUMNS)}`;
    if (ballot.codeHashes.length > 0) {
      await tx`
        insert into voter_codes (ballot_id, code_hash)
        select ${id}, unnest(${ballot.codeHashes}::text[])`;
    }
    const positions = ballot.options.map((_, index) => index);
    const keys = ballot.options.map(labelKey);
    await tx`
      insert into ballot_options (ballot_id, label, label_key, position)
      select ${id}, label, label_key, position
      from unnest(${ballot.options}::text[], ${keys}::text[], ${positions}::int[])
        as o(label, label_key, position)`;
    return toBallot({ ...row, options: ballot.options });
  }) as Ballot;
}

const SELECT_BALLOT = `
  select b.id, b.measure, b.allow_write_in, b.starts_at, b.ends_at, b.created_at,
    b.duplicate_check, b.listing, b.results_visibility, b.published_at, b.owner_voter,
    b.codes_issued, b.kind, b.max_choices,
    coalesce(
      (select array_agg(o.label order by o.position) from ballot_options o
        where o.ballot_id = b.id and o.position is not null),
      '{}'
    ) as options
  from ballots b`;

export async function countBallots(sql: Sql): Promise<number> {
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from ballots`;
  return row.n;
}

export async function findBallot(sql: Sql, id: string): Promise<Ballot | null> {
  const rows = await sql.unsafe<BallotRow[]>(`${SELECT_BALLOT} where b.id = $1`, [id]);
  return rows.length ? toBallot(rows[0]) : null;
}

/**
 * Listed options in their order, then the `topWriteIns` write-ins with the
 * most votes, then (when there are more) one row standing for the rest:
 * `collapsed` write-ins and their votes. Bounded whatever the ballot holds.
 */
export async function readTally(
  sql: Sql,
  ballotId: string,
  topWriteIns = 10,
): Promise<TallyRow[]> {
  const rows = await sql<(TallyRow & { collapsed: number | null })[]>`
    with write_ins as (
      select label, votes, row_number() over (order by votes desc, label) as rank
      from ballot_options where ballot_id = ${ballotId} and position is null
    )
    select label, votes, "writeIn", collapsed from (
      select label, votes, write_in as "writeIn", null::int as collapsed, position as rank, 0 as part
      from ballot_options where ballot_id = ${ballotId} and position is not null
      union all
      select label, votes, true, null, rank, 1 from write_ins where rank <= ${topWriteIns}
      union all
      select '', sum(votes)::bigint, true, count(*)::int, 0, 2 from write_ins
      where rank > ${topWriteIns} having count(*) > 0
    ) rows
    order by part, rank`;
  return rows.map(({ collapsed, ...row }) => collapsed === null ? row : { ...row, collapsed });
}

/** One page of a ballot's write-ins by votes, with how many there are and the total of votes. */
export async function readWriteIns(
  sql: Sql,
  ballotId: string,
  page: { offset: number; limit: number },
): Promise<WriteInPage> {
  const [rows, [sums]] = await Promise.all([
    sql<TallyRow[]>`
      select label, votes, true as "writeIn" from ballot_options
      where ballot_id = ${ballotId} and position is null
      order by votes desc, label
      limit ${page.limit} offset ${page.offset}`,
    sql<{ writeIns: number; total: number }[]>`
      select count(*) filter (where position is null)::int as "writeIns",
        coalesce(sum(votes), 0)::bigint as total
      from ballot_options where ballot_id = ${ballotId}`,
  ]);
  return { rows: [...rows], writeIns: sums.writeIns, total: sums.total };
}

/** A ballot's distinct rankings (label keys in order of preference) and their counts. */
export async function readRankings(
  sql: Sql,
  ballotId: string,
): Promise<{ ranking: string[]; count: number }[]> {
  // One text per ranking (labels hold no control characters): a driver parses a
  // text far faster than an array, and a ranked flush reads every distinct ranking.
  const rows = await sql<{ ranking: string; count: number }[]>`
    select array_to_string(ranking, E'\n') as ranking, votes::float8 as count
    from ballot_rankings
    where ballot_id = ${ballotId} and votes > 0`;
  return rows.map((row) => ({ ranking: row.ranking.split("\n"), count: row.count }));
}

/** Ballots cast: the base of an approval ballot's shares (voters, not choices). */
export async function readVoters(sql: Sql, ballotId: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select turnout::float8 as n from ballots where id = ${ballotId}`;
  return row?.n ?? 0;
}
