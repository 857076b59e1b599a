/** Two Oponn processes on one fresh Postgres database and the test Redis, for SPEC 6/7 tests. */
import postgres from "postgres";
import { Client } from "./client.ts";
import { createServerDatabase, type TestDatabase } from "./databases.ts";
import { type OponnProcess, spawnOponn } from "./oponn_process.ts";

export const DATABASE = Deno.env.get("TEST_DATABASE_URL");
export const REDIS = Deno.env.get("TEST_REDIS_URL");

export interface Cluster {
  a: OponnProcess;
  b: OponnProcess;
  db: TestDatabase;
  sql: postgres.Sql;
}

export async function withCluster(work: (cluster: Cluster) => Promise<void>): Promise<void> {
  const db = await createServerDatabase(DATABASE!);
  const env = { DATABASE_URL: db.url, REDIS_URL: REDIS! };
  const processes: OponnProcess[] = [];
  const sql = postgres(db.url, { max: 2, onnotice: () => {} });
  try {
    processes.push(await spawnOponn(env));
    processes.push(await spawnOponn(env));
    await work({ a: processes[0], b: processes[1], db, sql });
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    await sql.end();
    await db.drop();
  }
}

/** The same browser (cookies and token) on another process. */
export function on(client: Client, url: string): Client {
  const other = new Client(url);
  other.cookies = client.cookies;
  other.csrfToken = client.csrfToken;
  return other;
}
