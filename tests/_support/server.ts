/** A real Oponn on a free loopback port, in this test process. */
import { type Config, loadConfig } from "../../lib/config.ts";
import { buildOponn, type BuildOptions, type OponnServer } from "../../server.ts";

export interface TestServer {
  url: string;
  oponn: OponnServer;
  close(): Promise<void>;
}

export async function startTestServer(
  env: Record<string, string> = {},
  options: BuildOptions = {},
): Promise<TestServer> {
  const config: Config = loadConfig({
    OPONN_ENV: "test",
    DATABASE_URL: "memory://",
    PORT: "0",
    ...env,
  });
  const oponn = await buildOponn(config, options);
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, oponn.fetch);
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    oponn,
    async close() {
      await oponn.close();
      await server.shutdown();
    },
  };
}
