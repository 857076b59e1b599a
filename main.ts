/**
 * Composition root for `deno task start` / `deno task dev` (`deno run main.ts`).
 * `deno serve` (and `deno task prod`, with --parallel) runs serve.ts instead:
 * a module with a default export makes `deno run` warn.
 */
import { announce, configOrExit, LAME_DUCK_MS, Listener } from "./lib/ops/launch.ts";
import { buildOponn } from "./server.ts";

const config = configOrExit();
const oponn = await buildOponn(config, { cron: true });
const listener = new Listener(oponn.fetch, (addr) => announce(config, oponn, addr));
listener.listen(config.host, config.port);

let stopping = false;
/**
 * SIGTERM (an orchestrator's stop): drain while still listening for
 * LAME_DUCK_MS, so that nginx stops reusing its connections to this process,
 * then stop listening, finish the requests and votes in flight and exit.
 * SIGINT (Ctrl-C) skips the wait.
 */
const stop = async (signal: Deno.Signal) => {
  if (stopping) return;
  stopping = true;
  Deno.unrefTimer(setTimeout(() => Deno.exit(1), 10_000));
  const draining = oponn.drain();
  if (signal === "SIGTERM") await new Promise((resolve) => setTimeout(resolve, LAME_DUCK_MS));
  await draining;
  await listener.stop();
  await oponn.close();
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", () => stop("SIGTERM"));
Deno.addSignalListener("SIGINT", () => stop("SIGINT"));
