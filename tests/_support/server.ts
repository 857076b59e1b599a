/**
 * A real Oponn on a free loopback port, in this test process. Its database is
 * a fresh one on the Postgres server at TEST_DATABASE_URL when that is set
 * (dropped on close), else the embedded database in memory; a test that names
 * its own DATABASE_URL gets that.
 */
import { type Config, loadConfig } from "../../lib/config.ts";
import { buildOponn, type BuildOptions, type OponnServer } from "../../server.ts";
import { createServerDatabase } from "./databases.ts";

export interface TestServer {
  url: string;
  oponn: OponnServer;
  close(): Promise<void>;
}

export async function startTestServer(
  env: Record<string, string> = {},
  options: BuildOptions = {},
): Promise<TestServer> {
  const serverUrl = Deno.env.get("TEST_DATABASE_URL");
  const db = env.DATABASE_URL === undefined && serverUrl
    ? await createServerDatabase(serverUrl)
    : undefined;
  const config: Config = loadConfig({
    OPONN_ENV: "test",
    DATABASE_URL: db?.url ?? "memory://",
    OPONN_SECRET: "oponn-test-server-secret-0123456789",
    PORT: "0",
    ...env,
  });
  let oponn: OponnServer;
  try {
    oponn = await buildOponn(config, options);
  } catch (error) {
    await db?.drop();
    throw error;
  }
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, oponn.fetch);
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    oponn,
    async close() {
      await oponn.close();
      await server.shutdown();
      await db?.drop();
    },
  };
}
