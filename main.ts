/**
 * Composition root. `deno task start` runs this file; `deno serve main.ts`
 * (and `deno task prod`, with --parallel) uses its default export.
 */
import { ConfigError, loadConfig } from "./lib/config.ts";
import { buildOponn } from "./server.ts";

function configOrExit() {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`oponn: ${error.message}`);
      Deno.exit(1);
    }
    throw error;
  }
}

const config = configOrExit();
const oponn = await buildOponn(config, { cron: true });

export default { fetch: oponn.fetch } satisfies Deno.ServeDefaultExport;

/** Under `deno serve` the module is also "main", but Deno serves the default export itself. */
function launchedByDenoServe(): boolean {
  try {
    return Deno.readTextFileSync("/proc/self/cmdline").split("\0").includes("serve");
  } catch {
    return false;
  }
}

if (import.meta.main && !launchedByDenoServe()) {
  const server = Deno.serve({
    port: config.port,
    hostname: config.host,
    onListen: ({ hostname, port }) => {
      const where = config.databaseUrl ? "postgres" : `embedded database in ${config.dataDir}`;
      console.log(
        `oponn listening on http://${hostname}:${port} (${where}, ready in ${oponn.startedInMs} ms)`,
      );
    },
  }, oponn.fetch);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    Deno.unrefTimer(setTimeout(() => Deno.exit(1), 10_000));
    const closing = oponn.close();
    await server.shutdown();
    await closing;
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
}
