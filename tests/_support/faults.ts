/** Shared bits of the fault tests: which real servers are there, timing, reporting. */
import type { BuildOptions } from "../../server.ts";
import { createServerDatabase } from "./databases.ts";
import { startTestServer, type TestServer } from "./server.ts";

export interface FaultServers {
  databaseUrl: string;
  redisUrl: string;
}

/** The servers a fault test needs; when one is missing, prints why once and says to skip. */
export function faultServers(
  test: string,
  needs: { redis?: boolean } = {},
): FaultServers | undefined {
  const databaseUrl = Deno.env.get("TEST_DATABASE_URL");
  const redisUrl = Deno.env.get("TEST_REDIS_URL");
  const missing = !databaseUrl
    ? "TEST_DATABASE_URL"
    : needs.redis && !redisUrl
    ? "TEST_REDIS_URL"
    : "";
  if (missing) {
    console.log(`${test}: ${missing} is not set, skipped (it needs a real server)`);
    return undefined;
  }
  return { databaseUrl: databaseUrl!, redisUrl: redisUrl ?? "" };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns the time taken. */
export async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 50,
): Promise<number> {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > timeoutMs) {
      throw new Error(`${what}: not within ${timeoutMs} ms`);
    }
    await sleep(everyMs);
  }
  return Math.round(performance.now() - start);
}

/** One line the lead can quote: `fault[name] key=value …`. */
export function report(name: string, figures: Record<string, unknown>): void {
  const text = Object.entries(figures)
    .map(([key, value]) => `${key}=${typeof value === "object" ? JSON.stringify(value) : value}`)
    .join(" ");
  console.log(`fault[${name}] ${text}`);
}

/**
 * An in-process Oponn on a fresh database of the Postgres server when
 * TEST_DATABASE_URL is set (fast to start), else on the embedded one.
 */
export async function startQuickServer(
  env: Record<string, string> = {},
  options: BuildOptions = {},
): Promise<TestServer & { databaseUrl?: string }> {
  const serverUrl = Deno.env.get("TEST_DATABASE_URL");
  const db = serverUrl ? await createServerDatabase(serverUrl) : undefined;
  const server = await startTestServer({ DATABASE_URL: db?.url ?? "memory://", ...env }, options);
  return {
    ...server,
    databaseUrl: db?.url,
    async close() {
      await server.close();
      await db?.drop();
    },
  };
}
