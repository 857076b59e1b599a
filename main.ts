/**
 * Composition root. `deno task start` runs this file; `deno serve main.ts`
 * (and `deno task prod`, with --parallel) uses its default export.
 */
import { ConfigError, loadConfig } from "./lib/config.ts";
import { isDescriptorExhaustion } from "./lib/limits/descriptors.ts";
import { buildOponn, type OponnServer } from "./server.ts";

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

function announce({ hostname, port }: Deno.NetAddr): void {
  const where = config.databaseUrl ? "postgres" : `embedded database in ${config.dataDir}`;
  console.log(
    `oponn listening on http://${hostname}:${port} (${where}, ready in ${oponn.startedInMs} ms)`,
  );
  console.log(`oponn: ${describeBudget(oponn.budget)}`);
}

function describeBudget(budget: OponnServer["budget"]): string {
  const workers = budget.workers === 1 ? "1 worker" : `${budget.workers} workers`;
  return `${budget.limit} descriptors (${budget.reserved} kept back): at most ` +
    `${budget.streams} live streams and ${budget.connections} connections, over ${workers}`;
}

export default {
  fetch: oponn.fetch,
  // Deno calls it in the first worker only.
  onListen: (addr) => announce(addr as Deno.NetAddr),
} satisfies Deno.ServeDefaultExport;

/** Under `deno serve` the module is also "main", but Deno serves the default export itself. */
function launchedByDenoServe(): boolean {
  return commandLine().includes("serve");
}

function commandLine(): string[] {
  try {
    return Deno.readTextFileSync("/proc/self/cmdline").split("\0");
  } catch {
    return [];
  }
}

/** At most one line a second about the same trouble, with how many were folded into it. */
function throttledLog(everyMs: number): (message: string) => void {
  let lastAt = -Infinity;
  let folded = 0;
  return (message) => {
    const now = performance.now();
    if (now - lastAt < everyMs) {
      folded++;
      return;
    }
    lastAt = now;
    console.error(`oponn: ${message}${folded ? ` (${folded} more since the last line)` : ""}`);
    folded = 0;
  };
}

/** `Too many open files (os error 24)`, without Deno's `Error: ` in front. */
function reason(error: Error): string {
  return error.message.replace(/^Error: /, "");
}

/** Wait before listening again: long enough not to spin, short next to a client's retry. */
const RELISTEN_MS = 250;
const warnFull = throttledLog(1_000);
const warnRelisten = throttledLog(30_000);
const noteBack = throttledLog(1_000);

let current: Deno.HttpServer<Deno.NetAddr> | undefined;
let stopping = false;

/**
 * Deno's serve loop ends when `accept()` meets a full descriptor table
 * (EMFILE), and with it the listener; the connections it accepted live on.
 * Listen again on the same address after a pause, for as long as it takes:
 * while the table is full, listening fails too (and is retried).
 */
function listen(hostname: string, port: number, first: boolean): void {
  if (stopping) return;
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname,
      port,
      onListen: (addr) => first ? announce(addr) : noteBack("accepting connections again"),
    }, oponn.fetch);
  } catch (error) {
    if (first) throw error;
    warnRelisten(`cannot listen yet (${(error as Error).message}); retrying`);
    setTimeout(() => listen(hostname, port, false), RELISTEN_MS);
    return;
  }
  current = server;
  server.finished.catch((error) => {
    if (!isDescriptorExhaustion(error)) throw error;
    if (current === server) current = undefined;
    warnFull(`${reason(error)}: stopped accepting connections; listening again shortly`);
    setTimeout(() => listen(hostname, port || server.addr.port, false), RELISTEN_MS);
  });
}

/** `--host` and `--port` of `deno serve` (its defaults otherwise). */
function serveAddress(args: string[]): { hostname: string; port: number } {
  const option = (name: string) => {
    const index = args.findIndex((arg) => arg === name || arg.startsWith(`${name}=`));
    if (index < 0) return undefined;
    return args[index].includes("=") ? args[index].split("=")[1] : args[index + 1];
  };
  return { hostname: option("--host") ?? "0.0.0.0", port: Number(option("--port") ?? 8000) };
}

if (launchedByDenoServe()) {
  // The serve loop is Deno's: when it ends on a full table, its rejection is
  // unhandled and would end the process. This worker takes over with its own.
  globalThis.addEventListener("unhandledrejection", (event) => {
    if (!isDescriptorExhaustion(event.reason)) return;
    event.preventDefault();
    warnFull(`${reason(event.reason)}: this worker stopped accepting; listening again shortly`);
    const { hostname, port } = serveAddress(commandLine());
    setTimeout(() => listen(hostname, port, false), RELISTEN_MS);
  });
} else if (import.meta.main) {
  listen(config.host, config.port, true);

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    Deno.unrefTimer(setTimeout(() => Deno.exit(1), 10_000));
    const closing = oponn.close();
    await current?.shutdown();
    await closing;
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
}
