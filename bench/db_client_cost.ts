/**
 * Client-side CPU per database batch and per Redis publish, measured in this
 * process against the local servers (a scratch database, dropped at the end):
 * what each vote-writer transaction costs Oponn besides the HTTP work.
 *
 *   deno run -A bench/db_client_cost.ts [votes per batch = 10]
 */
import postgres from "postgres";
import { Redis } from "ioredis";
import { MAX_WRITE_INS } from "../lib/votes/rules.ts";
import { recordVotes } from "../lib/stores/votes.ts";
import { cpuMs } from "./proc.ts";
import type { Sql } from "../lib/stores/database.ts";
import { migrate } from "../lib/stores/migrate.ts";

const admin = postgres("postgres://postgres@127.0.0.1:5432/postgres", {
  max: 1,
  onnotice: () => {},
});
const name = `oponn_exp_${Deno.pid}`;
await admin.unsafe(`create database ${name}`);
const sql = postgres(`postgres://postgres@127.0.0.1:5432/${name}`, {
  max: 10,
  onnotice: () => {},
  prepare: true,
  types: { bigint: { to: 20, from: [20], serialize: String, parse: Number } },
}) as unknown as Sql;
await migrate(sql);
await sql`insert into ballots (id, measure, allow_write_in, starts_at) values ('B', 'x', false, now())`;
await sql`
  insert into ballot_options (ballot_id, label, label_key, position)
  values ('B', 'yes', 'yes', 0), ('B', 'no', 'no', 1)`;
const votes = Array.from(
  { length: Number(Deno.args[0] ?? 10) },
  () => ({ ballotId: "B", label: "yes", key: "yes", writeIn: false }),
);
const measure = async (label: string, n: number, conc: number, fn: () => Promise<unknown>) => {
  for (let i = 0; i < 50; i++) await fn();
  const c0 = cpuMs(Deno.pid);
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: conc }, async () => {
    while (next++ < n) await fn();
  }));
  const cpu = cpuMs(Deno.pid) - c0;
  const wall = performance.now() - t0;
  console.log(
    `${label}: ${(1000 * cpu / n).toFixed(0)} µs CPU/call, ${(n / wall * 1000).toFixed(0)} calls/s`,
  );
};
await measure(
  `recordVotes x${votes.length}`,
  3000,
  4,
  () => recordVotes(sql, votes, MAX_WRITE_INS),
);
await measure("select 1", 3000, 4, () => sql`select 1`);
const arr = votes.map((v) => v.label);
await measure("select text[] param", 3000, 4, () => sql`select cardinality(${arr}::text[]) as n`);
await measure(
  "insert 1 row autocommit",
  3000,
  4,
  () => sql`insert into votes (ballot_id, option_label, write_in) values ('B', 'no', false)`,
);
await measure(
  "update hot row autocommit",
  3000,
  4,
  () => sql`update ballot_options set votes = votes + 1 where ballot_id = 'B' and label = 'yes'`,
);
await measure(
  "update cold rows autocommit",
  3000,
  4,
  () => sql`update ballot_options set votes = votes + 1 where ballot_id = 'B' and label = 'no'`,
);
const redis = new Redis("redis://127.0.0.1:6379", {
  commandTimeout: 1000,
  maxRetriesPerRequest: 1,
});
await measure("redis publish", 5000, 4, () => redis.publish("oponn:exp", "1"));
redis.disconnect();
await sql.end();
await admin.unsafe(`drop database ${name} with (force)`);
await admin.end();
