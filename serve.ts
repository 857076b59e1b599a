/**
 * Entry for `deno serve serve.ts` (`deno task prod` and the container run it
 * with --parallel): Deno serves the default export, in each worker.
 * `deno task start` runs main.ts instead.
 */
import {
  announce,
  configOrExit,
  exitWhenAllDrained,
  LAME_DUCK_MS,
  Listener,
  reason,
  stopOnSignals,
} from "./lib/ops/launch.ts";
import { isDescriptorExhaustion } from "./lib/limits/descriptors.ts";
import { buildOponn } from "./server.ts";

const config = configOrExit();
const oponn = await buildOponn(config, { cron: true, sumWorkerMetrics: true });
const listener = new Listener(oponn.fetch);

// The serve loop is Deno's: when it ends on a full descriptor table, its
// rejection is unhandled and would end the process. This worker takes over
// with a listener of its own, on the address `deno serve` was given.
globalThis.addEventListener("unhandledrejection", (event) => {
  if (!isDescriptorExhaustion(event.reason)) return;
  event.preventDefault();
  listener.warnFull(
    `${reason(event.reason)}: this worker stopped accepting; listening again shortly`,
  );
  const { hostname, port } = serveAddress(commandLine());
  listener.relistenSoon(hostname, port);
});

/** `--host` and `--port` of `deno serve` (its defaults otherwise). */
function serveAddress(args: string[]): { hostname: string; port: number } {
  const option = (name: string) => {
    const index = args.findIndex((arg) => arg === name || arg.startsWith(`${name}=`));
    if (index < 0) return undefined;
    return args[index].includes("=") ? args[index].split("=")[1] : args[index + 1];
  };
  return { hostname: option("--host") ?? "0.0.0.0", port: Number(option("--port") ?? 8000) };
}

function commandLine(): string[] {
  try {
    return Deno.readTextFileSync("/proc/self/cmdline").split("\0");
  } catch {
    return [];
  }
}

// SIGTERM: Deno's serve loop stops listening by itself (each worker's: new
// connections are refused, which nginx retries on another replica) and
// finishes the requests it has, and the process would stay up, its database
// and Redis connections open, until the orchestrator's SIGKILL. Each worker
// drains instead (streams end, votes in flight are answered and recorded) and
// stays up LAME_DUCK_MS before it closes, so that its exit cuts no connection
// the serve loop is still answering: behind nginx that halved the votes
// answered 502 in a rolling restart (tests/integration/nginx_test.ts; see
// README). Keeping the listener open that long instead, as main.ts does, gave
// more. The process exits 0 once every worker has closed, or 1 after 10 s.
// SIGINT (Ctrl-C) skips the wait.
const drained = exitWhenAllDrained(oponn.budget.workers);
stopOnSignals(async (signal) => {
  const draining = oponn.drain();
  if (signal === "SIGTERM") await new Promise((resolve) => setTimeout(resolve, LAME_DUCK_MS));
  await draining;
  await oponn.close();
  drained();
});

export default {
  fetch: oponn.fetch,
  // Deno calls it in the first worker only.
  onListen: (addr) => announce(config, oponn, addr as Deno.NetAddr),
} satisfies Deno.ServeDefaultExport;
