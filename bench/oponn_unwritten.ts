/**
 * Oponn as `deno task start` runs it, except that the vote writer stores
 * nothing: each batch is answered `recorded` at once. Everything else (HTTP,
 * middleware, cookie and token checks, the form, the ballot's rules, the
 * writer's queue, the live hub's publish) is the real path. The bench runs it
 * beside Oponn and the bare floor for the most votes/s Oponn's HTTP path allows
 * on this machine with a database that costs nothing. Prints Oponn's
 * "listening" line.
 *
 *   DATABASE_URL=... OPONN_SECRET=... deno run -A bench/oponn_unwritten.ts
 */
import { announce, configOrExit, Listener, stopOnSignals } from "../lib/ops/launch.ts";
import type { RecordOutcome } from "../lib/stores/votes.ts";
import { buildOponn } from "../server.ts";

const config = configOrExit();
const oponn = await buildOponn(config, {
  recordVotes: (votes) => Promise.resolve(votes.map((): RecordOutcome => "recorded")),
});
const listener = new Listener(oponn.fetch, (addr) => announce(config, oponn, addr));
listener.listen(config.host, config.port);

stopOnSignals(async () => {
  await oponn.drain();
  await listener.stop();
  await oponn.close();
  Deno.exit(0);
});
