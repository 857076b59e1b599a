/**
 * Composition root for `deno task start` / `deno task dev` (`deno run main.ts`).
 * `deno serve` (and `deno task prod`, with --parallel) runs serve.ts instead:
 * a module with a default export makes `deno run` warn.
 */
import { announce, configOrExit, LAME_DUCK_MS, Listener, stopOnSignals } from "./lib/ops/launch.ts";
import { buildOponn } from "./server.ts";

const config = configOrExit();
const oponn = await buildOponn(config, { cron: true });
const listener = new Listener(oponn.fetch, (addr) => announce(config, oponn, addr));
listener.listen(config.host, config.port);

/**
 * SIGTERM (an orchestrator's stop): drain while still listening for
 * LAME_DUCK_MS, so that nginx stops reusing its connections to this process,
 * then stop listening, finish the requests and votes in flight and exit.
 * SIGINT (Ctrl-C) skips the wait.
 */
stopOnSignals(async (signal) => {
  const draining = oponn.drain();
  if (signal === "SIGTERM") await new Promise((resolve) => setTimeout(resolve, LAME_DUCK_MS));
  await draining;
  await listener.stop();
  await oponn.close();
  Deno.exit(0);
});
