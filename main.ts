/**
 * Composition root for `deno task start` / `deno task dev` (`deno run main.ts`).
 * `deno serve` (and `deno task prod`, with --parallel) runs serve.ts instead:
 * a module with a default export makes `deno run` warn.
 */
import { announce, configOrExit, Listener } from "./lib/ops/launch.ts";
import { buildOponn } from "./server.ts";

const config = configOrExit();
const oponn = await buildOponn(config, { cron: true });
const listener = new Listener(oponn.fetch, (addr) => announce(config, oponn, addr));
listener.listen(config.host, config.port);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  Deno.unrefTimer(setTimeout(() => Deno.exit(1), 10_000));
  const closing = oponn.close();
  await listener.stop();
  await closing;
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", stop);
Deno.addSignalListener("SIGINT", stop);
