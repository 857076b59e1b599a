/** SQL for ballots and their tallies. */
import type { Ballot, NewBallot } from "../ballots/types.ts";
import type { TallyRow } from "../results/types.ts";
import type { Sql } from "./database.ts";

interface BallotRow {
  id: string;
  measure: string;
  allow_write_in: boolean;
  starts_at: Date;
  ends_at: Date | null;
  created_at: Date;
  options: string[];
}

function toBallot(row: BallotRow): Ballot {
  return {
    id: row.id,
    measure: row.measure,
    options: row.options ?? [],
    allowWriteIn: row.allow_write_in,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    createdAt: row.created_at,
  };
}

export async function insertBallot(sql: Sql, id: string, ballot: NewBallot): Promise<Ballot> {
  return await sql.begin(async (tx) => {
    const [row] = await tx<Omit<BallotRow, "options">[]>`
      insert into ballots (id, measure, allow_write_in, starts_at, ends_at)
      values (${id}, ${ballot.measure}, ${ballot.allowWriteIn}, ${ballot.startsAt}, ${ballot.endsAt})
      returning id, measure, allow_write_in, starts_at, ends_at, created_at`;
    const positions = ballot.options.map((_, index) => index);
    await tx`
      insert into ballot_options (ballot_id, label, position)
      select ${id}, label, position
      from unnest(${ballot.options}::text[], ${positions}::int[]) as o(label, position)`;
    return toBallot({ ...row, options: ballot.options });
  }) as Ballot;
}

const SELECT_BALLOT = `
  select b.id, b.measure, b.allow_write_in, b.starts_at, b.ends_at, b.created_at,
    coalesce(
      (select array_agg(o.label order by o.position) from ballot_options o
        where o.ballot_id = b.id and o.position is not null),
      '{}'
    ) as options
  from ballots b`;

export async function findBallot(sql: Sql, id: string): Promise<Ballot | null> {
  const rows = await sql.unsafe<BallotRow[]>(`${SELECT_BALLOT} where b.id = $1`, [id]);
  return rows.length ? toBallot(rows[0]) : null;
}

/** Ballots still open or pending, and those that ended in the last day, newest first. */
export async function listRecentBallots(sql: Sql, now: Date, limit = 200): Promise<Ballot[]> {
  const since = new Date(now.getTime() - 86_400_000);
  const rows = await sql.unsafe<BallotRow[]>(
    `${SELECT_BALLOT} where b.ends_at is null or b.ends_at > $1
     order by b.created_at desc limit $2`,
    [since, limit],
  );
  return rows.map(toBallot);
}

/** Listed options in their order, then write-ins by votes. */
export async function readTally(sql: Sql, ballotId: string): Promise<TallyRow[]> {
  return await sql<TallyRow[]>`
    select label, votes, write_in as "writeIn"
    from ballot_options where ballot_id = ${ballotId}
    order by position nulls last, votes desc, label`;
}
