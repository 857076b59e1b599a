/** SQL for what an owner changes after creating a ballot. Each returns whether a row changed. */
import type { Sql } from "./database.ts";

export async function readManageKeyHash(sql: Sql, ballotId: string): Promise<string | null> {
  const [row] = await sql<{ hash: string | null }[]>`
    select manage_key_hash as hash from ballots where id = ${ballotId}`;
  return row?.hash ?? null;
}

/** Ends voting at the database's clock; a ballot not yet started ends without opening. */
export async function closeBallot(sql: Sql, ballotId: string): Promise<boolean> {
  const rows = await sql`
    update ballots set ends_at = now(), starts_at = least(starts_at, now())
    where id = ${ballotId} and (ends_at is null or ends_at > now())
    returning id`;
  return rows.length > 0;
}

export async function setBallotEnd(sql: Sql, ballotId: string, endsAt: Date): Promise<boolean> {
  const rows = await sql`
    update ballots set ends_at = ${endsAt}
    where id = ${ballotId} and starts_at < ${endsAt}
    returning id`;
  return rows.length > 0;
}

export async function publishResults(sql: Sql, ballotId: string): Promise<boolean> {
  const rows = await sql`
    update ballots set published_at = now()
    where id = ${ballotId} and results_visibility = 'manual' and published_at is null
    returning id`;
  return rows.length > 0;
}

/**
 * Its options, codes and rankings go with it (foreign keys cascade), its audit
 * rows and voter claims by trigger (migrations/0005).
 */
export async function deleteBallot(sql: Sql, ballotId: string): Promise<boolean> {
  const rows = await sql`delete from ballots where id = ${ballotId} returning id`;
  return rows.length > 0;
}

export async function addVoterCodes(
  sql: Sql,
  ballotId: string,
  codeHashes: string[],
): Promise<boolean> {
  return await sql.begin(async (tx) => {
    const rows = await tx`
      update ballots set codes_issued = codes_issued + ${codeHashes.length}
      where id = ${ballotId} and duplicate_check = 'code'
      returning id`;
    if (rows.length === 0) return false;
    await tx`
      insert into voter_codes (ballot_id, code_hash)
      select ${ballotId}, unnest(${codeHashes}::text[])`;
    return true;
  }) as boolean;
}

/** Ballots cast, and for a `code` ballot the codes issued: public on every ballot. */
export async function readTurnout(
  sql: Sql,
  ballotId: string,
): Promise<{ cast: number; codesIssued: number } | null> {
  const [row] = await sql<{ cast: number; codesIssued: number }[]>`
    select turnout::int as cast, codes_issued as "codesIssued" from ballots where id = ${ballotId}`;
  return row ?? null;
}
