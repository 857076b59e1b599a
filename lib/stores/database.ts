/** Opens the one SQL path: postgres.js to a Postgres server or to the embedded PGlite. */
import postgres from "postgres";
import { startEmbedded } from "./embedded.ts";
import { migrate } from "./migrate.ts";

export type Sql = postgres.Sql<Record<string, never>>;

export interface Database {
  sql: Sql;
  /** Connections the pool may open; the vote writer sizes its concurrency from it. */
  poolSize: number;
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
  const sql = postgres(embeddedDb?.url ?? options.url!, {
    max: poolSize,
    onnotice: () => {},
    connect_timeout: 10,
    // Reconnect within a second of the server's return (the default backs off to 20 s).
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1) * (0.5 + Math.random() / 2),
    idle_timeout: embeddedDb ? 0 : 60,
    // The embedded server speaks the simple protocol best without named statements.
    prepare: !embeddedDb,
    types: {
      bigint: { to: 20, from: [20], serialize: String, parse: Number },
    },
  }) as unknown as Sql;
  try {
    await migrate(sql);
  } catch (error) {
    await sql.end({ timeout: 1 });
    await embeddedDb?.stop();
    throw error;
  }
  return {
    sql,
    poolSize,
    embedded: embeddedDb !== undefined,
    async close() {
      await sql.end({ timeout: 5 });
      await embeddedDb?.stop();
    },
  };
}
