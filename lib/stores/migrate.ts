/**
 * Forward-only SQL migrations from `migrations/NNNN_name.sql`, recorded in
 * `schema_migrations`, applied under a Postgres advisory lock so that processes
 * starting together apply each migration exactly once.
 */
import type postgres from "postgres";

const MIGRATIONS_DIR = new URL("../../migrations/", import.meta.url);
const LOCK_KEY = 7_245_001; // arbitrary, constant: "oponn migrations"

export interface Migration {
  version: string;
  name: string;
  sql: string;
}

export async function loadMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(entry.name);
    if (!entry.isFile || !match) continue;
    migrations.push({
      version: match[1],
      name: match[2],
      sql: await Deno.readTextFile(new URL(entry.name, dir)),
    });
  }
  return migrations.sort((a, b) => a.version.localeCompare(b.version));
}

/** Applies pending migrations; returns the versions it applied. */
export async function migrate(
  sql: postgres.Sql<Record<string, never>>,
  migrations?: Migration[],
): Promise<string[]> {
  const pending = migrations ?? await loadMigrations();
  const conn = await sql.reserve();
  try {
    await conn`select pg_advisory_lock(${LOCK_KEY})`;
    try {
      await conn`create table if not exists schema_migrations (
        version text primary key,
        name text not null,
        applied_at timestamptz not null default now()
      )`;
      const rows = await conn<{ version: string }[]>`select version from schema_migrations`;
      const applied = new Set(rows.map((row) => row.version));
      const done: string[] = [];
      for (const migration of pending) {
        if (applied.has(migration.version)) continue;
        await conn.unsafe("begin");
        try {
          await conn.unsafe(migration.sql);
          await conn`insert into schema_migrations (version, name)
            values (${migration.version}, ${migration.name})`;
          await conn.unsafe("commit");
        } catch (error) {
          await conn.unsafe("rollback");
          throw new Error(`Migration ${migration.version}_${migration.name} failed: ${error}`);
        }
        done.push(migration.version);
      }
      return done;
    } finally {
      await conn`select pg_advisory_unlock(${LOCK_KEY})`;
    }
  } finally {
    conn.release();
  }
}
