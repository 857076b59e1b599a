/** Opens the one SQL path: postgres.js to a Postgres server or to the embedded PGlite. */
import postgres from "postgres";
import { startEmbedded } from "./embedded.ts";
import { migrate } from "./migrate.ts";

export type Sql = postgres.Sql<Record<string, never>>;

export interface Database {
  sql: Sql;
  /**
   * The vote writer's own connection: its statements run with generic plans
   * (see `openDatabase`). The same client as `sql` on the embedded database.
   */
  writerSql: Sql;
  embedded: boolean;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** `undefined`: embedded under dataDir; `memory://`: embedded in memory. */
  url?: string;
  dataDir: string;
  poolSize?: number;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const embeddedDb = options.url && options.url !== "memory://"
    ? undefined
    : await startEmbedded(options.url === "memory://" ? undefined : options.dataDir);
  const poolSize = embeddedDb ? 1 : options.poolSize ?? 10;
  const url = embeddedDb?.url ?? options.url!;
  const sql = postgres(url, {
    ...clientOptions(embeddedDb !== undefined),
    max: poolSize,
  }) as unknown as Sql;
  // The vote statements are large (a dozen CTEs), and Postgres planned them
  // afresh for every batch, its custom plans costed below the generic one:
  // 0.65 ms of its CPU per batch, more than running a batch of 28 votes
  // (bench/ab.ts, 4 voters: p50 3.5 -> 2.3 ms). A custom plan has nothing to
  // gain here: every value arrives joined in one text parameter per column.
  // One connection: the writer commits one batch at a time.
  const writerSql = embeddedDb ? sql : postgres(url, {
    ...clientOptions(false),
    max: 1,
    connection: { plan_cache_mode: "force_generic_plan" },
  }) as unknown as Sql;
  try {
    await migrate(sql);
  } catch (error) {
    await closeClients(sql, writerSql, 1);
    await embeddedDb?.stop();
    throw error;
  }
  return {
    sql,
    writerSql,
    embedded: embeddedDb !== undefined,
    async close() {
      await closeClients(sql, writerSql, 5);
      await embeddedDb?.stop();
    },
  };
}

async function closeClients(sql: Sql, writerSql: Sql, timeout: number): Promise<void> {
  await Promise.all([
    sql.end({ timeout }),
    writerSql === sql ? undefined : writerSql.end({ timeout }),
  ]);
}

function clientOptions(embedded: boolean) {
  return {
    onnotice: () => {},
    connect_timeout: 10,
    // Reconnect within a second of the server's return (the default backs off to 20 s).
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1) * (0.5 + Math.random() / 2),
    idle_timeout: embedded ? 0 : 60,
    // The embedded server speaks the simple protocol best without named statements.
    prepare: !embedded,
    types: {
      bigint: { to: 20, from: [20], serialize: String, parse: Number },
    },
  };
}
