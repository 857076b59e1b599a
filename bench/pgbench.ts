/**
 * The database's own limits, with `pgbench` on scratch tables shaped like
 * Oponn's (same columns, keys and foreign keys) in the bench database:
 *   naive   — one vote per transaction: insert the vote + `votes = votes + 1` on one option
 *   insert  — the vote insert alone (one commit per vote)
 *   batched — the statement Oponn's vote writer runs, with 10 votes in it:
 *             window check, 10-row insert, one `+ 10` counter upsert, in one
 *             statement (one round trip, one implicit transaction)
 */
import type postgres from "postgres";

export const PGBENCH = "/usr/bin/pgbench";

export const SCRATCH_SCHEMA = `
  create table pgb_ballots (
    id text primary key,
    starts_at timestamptz not null,
    ends_at timestamptz
  );
  create table pgb_options (
    ballot_id text not null references pgb_ballots (id) on delete cascade,
    label text not null,
    position integer,
    write_in boolean not null default false,
    votes bigint not null default 0 check (votes >= 0),
    primary key (ballot_id, label)
  );
  create table pgb_votes (
    id bigint generated always as identity primary key,
    ballot_id text not null references pgb_ballots (id) on delete cascade,
    option_label text not null,
    write_in boolean not null,
    cast_at timestamptz not null default now()
  );
  insert into pgb_ballots values ('bench', now() - interval '1 minute', now() + interval '1 day');
  insert into pgb_options (ballot_id, label, position) values ('bench', 'yes', 0), ('bench', 'no', 1);
`;

export const BATCH = 10;

export const SCRIPTS = {
  naive: `
BEGIN;
INSERT INTO pgb_votes (ballot_id, option_label, write_in) VALUES ('bench', 'yes', false);
UPDATE pgb_options SET votes = votes + 1 WHERE ballot_id = 'bench' AND label = 'yes';
END;
`,
  insert: `
INSERT INTO pgb_votes (ballot_id, option_label, write_in) VALUES ('bench', 'yes', false);
`,
  // lib/stores/votes.ts's statement, word for word but on the scratch tables,
  // with 10 votes in it: one round trip, one implicit transaction.
  batched: `
WITH windows AS (
  SELECT id, starts_at <= now() AS started, coalesce(ends_at <= now(), false) AS ended
  FROM pgb_ballots WHERE id = ANY('{bench}'::text[])
), accepted AS (
  SELECT v.ballot_id, v.label, v.write_in, v.ord
  FROM unnest(array_fill('bench'::text, ARRAY[${BATCH}]), array_fill('yes'::text, ARRAY[${BATCH}]), array_fill('false'::text, ARRAY[${BATCH}])::bool[]) WITH ORDINALITY AS v(ballot_id, label, write_in, ord)
  JOIN windows w ON w.id = v.ballot_id AND w.started AND NOT w.ended
), recorded AS (
  INSERT INTO pgb_votes (ballot_id, option_label, write_in) SELECT ballot_id, label, write_in FROM accepted ORDER BY ord
), counted AS (
  INSERT INTO pgb_options (ballot_id, label, write_in, votes) SELECT ballot_id, label, bool_and(write_in), count(*) FROM accepted GROUP BY ballot_id, label ORDER BY ballot_id, label
  ON CONFLICT (ballot_id, label) DO UPDATE SET votes = pgb_options.votes + excluded.votes
)
SELECT id, started, ended FROM windows;
`,
} as const;

export type ScriptName = keyof typeof SCRIPTS;

export interface PgbenchResult {
  tps: number;
  /** Votes per second: tps, or tps × 10 for the batched transaction. */
  votesPerS: number;
  latencyAvgMs: number;
  transactions: number;
  failed: number;
}

export async function createScratchTables(sql: postgres.Sql): Promise<void> {
  await sql.unsafe(SCRATCH_SCHEMA);
}

export async function runPgbench(
  dbUrl: string,
  name: ScriptName,
  clients: number,
  durationS: number,
): Promise<PgbenchResult> {
  const file = await Deno.makeTempFile({ prefix: `oponn-pgbench-${name}-`, suffix: ".sql" });
  try {
    await Deno.writeTextFile(file, SCRIPTS[name]);
    const url = new URL(dbUrl);
    const output = await new Deno.Command(PGBENCH, {
      args: [
        "-n",
        "-M",
        "prepared",
        "-c",
        String(clients),
        "-j",
        String(Math.min(clients, navigator.hardwareConcurrency)),
        "-T",
        String(durationS),
        "-f",
        file,
        "-h",
        url.hostname,
        "-p",
        url.port || "5432",
        "-U",
        decodeURIComponent(url.username) || "postgres",
        url.pathname.slice(1),
      ],
      env: { PGPASSWORD: decodeURIComponent(url.password) },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(output.stdout);
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(text);
    if (output.success && /actually processed: 0\b/.test(text)) {
      // Nothing committed within the duration (a stalled disk, say): a figure, not a crash.
      return { tps: 0, votesPerS: 0, latencyAvgMs: NaN, transactions: 0, failed: 0 };
    }
    if (!output.success || !tps) {
      throw new Error(
        `pgbench ${name} failed:\n${text}\n${new TextDecoder().decode(output.stderr)}`,
      );
    }
    const latency = /latency average = ([\d.]+) ms/.exec(text);
    const processed = /number of transactions actually processed: (\d+)/.exec(text);
    const failed = /number of failed transactions: (\d+)/.exec(text);
    const value = Number(tps[1]);
    return {
      tps: value,
      votesPerS: name === "batched" ? value * BATCH : value,
      latencyAvgMs: latency ? Number(latency[1]) : NaN,
      transactions: processed ? Number(processed[1]) : NaN,
      failed: failed ? Number(failed[1]) : 0,
    };
  } finally {
    await Deno.remove(file).catch(() => {});
  }
}
