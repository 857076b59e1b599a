/** `deno task migrate`: applies pending migrations to DATABASE_URL and prints what it applied. */
import postgres from "postgres";
import { ConfigError, loadConfig } from "../config.ts";
import type { Sql } from "./database.ts";
import { migrate } from "./migrate.ts";

async function main(): Promise<number> {
  let url: string | undefined;
  try {
    url = loadConfig().databaseUrl;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`oponn migrate: ${error.message}`);
    return 1;
  }
  if (!url || url === "memory://") {
    console.error("oponn migrate: DATABASE_URL must be set to a postgres:// URL");
    return 1;
  }
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 }) as unknown as Sql;
  try {
    // Under the same advisory lock as every server start, so running it beside them is safe.
    const applied = await migrate(sql);
    for (const version of applied) console.log(`applied ${version}`);
    console.log(applied.length ? `migrated: ${applied.length} applied` : "migrated: up to date");
    return 0;
  } catch (error) {
    console.error(`oponn migrate: ${(error as Error).message}`);
    return 1;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

Deno.exit(await main());
