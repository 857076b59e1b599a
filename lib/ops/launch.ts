/**
 * What `main.ts` (`deno run`) and `serve.ts` (`deno serve`) share: reading the
 * configuration, the start-up lines, stopping on a signal, and listening again after the descriptor
 * table filled up.
 */
import { ConfigError, loadConfig } from "../config.ts";
import type { Config } from "../config.ts";
import { isDescriptorExhaustion } from "../limits/descriptors.ts";
import type { OponnServer } from "../../server.ts";

export function configOrExit(): Config {
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

/**
 * The start-up lines; the last one names the URL to open (tests and the
 * bench read the port from it: `oponn listening on http://127.0.0.1:8000`).
 */
export function announce(config: Config, oponn: OponnServer, { hostname, port }: Deno.NetAddr) {
  const where = config.databaseUrl ? "postgres" : `embedded database in ${config.dataDir}`;
  console.log(`oponn: ${where}, ${describeBudget(oponn.budget)}; ready in ${oponn.startedInMs} ms`);
  console.log(`oponn listening on http://${hostname}:${port}`);
}

function describeBudget(budget: OponnServer["budget"]): string {
  const workers = budget.workers === 1 ? "1 worker" : `${budget.workers} workers`;
  return `${budget.limit} descriptors (${budget.reserved} kept back): at most ` +
    `${budget.streams} live streams and ${budget.connections} connections, over ${workers}`;
}

/** At most one line every `everyMs` about the same trouble, with how many were folded into it. */
export function throttledLog(everyMs: number): (message: string) => void {
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
export function reason(error: Error): string {
  return error.message.replace(/^Error: /, "");
}

/**
 * After SIGTERM, `deno run main.ts` goes on answering (draining: /readyz 503,
 * streams ended, `Connection: close` on every response) this long before it
 * stops listening. nginx closes an idle upstream connection after 4 s
 * (`keepalive_timeout` of the upstream block in deploy/nginx.conf), and one it
 * reuses meanwhile is answered with `Connection: close`: when the listener
 * closes, nginx holds no idle connection to this process, so it cannot send a
 * vote on a connection the process is closing (a 502 nginx may not retry: the
 * vote might have been recorded). New connections are refused from then on,
 * which nginx retries on another replica. tests/integration/nginx_test.ts
 * checks that this outlasts the upstream keepalive_timeout.
 *
 * `deno serve serve.ts` stops listening at once (Deno's serve loop stops on
 * SIGTERM by itself): each worker drains and stays up this long before it
 * closes, so that the exit does not cut connections the loop is finishing.
 */
export const LAME_DUCK_MS = 5_000;

/**
 * `deno serve --parallel` runs one copy of serve.ts per worker, and
 * `Deno.exit` in any of them ends the whole process: each worker says when it
 * has drained, and the one that sees every worker drained exits 0. Create it
 * at start (a message sent before a worker listens is not delivered to it).
 */
export function exitWhenAllDrained(workers: number): () => void {
  const channel = new BroadcastChannel("oponn-workers-drained");
  let others = 0;
  let mine = false;
  const check = () => {
    if (mine && others >= workers - 1) Deno.exit(0);
  };
  channel.onmessage = () => {
    others++;
    check();
  };
  return () => {
    if (mine) return;
    mine = true;
    channel.postMessage("drained");
    check();
  };
}

/** A stop that has not finished by then ends the process with status 1. */
const STOP_DEADLINE_MS = 10_000;

/**
 * Runs `stop` on the first SIGTERM or SIGINT (later ones are ignored), and
 * exits 1 if it has not ended the process within STOP_DEADLINE_MS.
 */
export function stopOnSignals(stop: (signal: Deno.Signal) => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: Deno.Signal) => {
    if (stopping) return;
    stopping = true;
    Deno.unrefTimer(setTimeout(() => Deno.exit(1), STOP_DEADLINE_MS));
    stop(signal);
  };
  Deno.addSignalListener("SIGTERM", () => onSignal("SIGTERM"));
  Deno.addSignalListener("SIGINT", () => onSignal("SIGINT"));
}

/** Wait before listening again: long enough not to spin, short next to a client's retry. */
const RELISTEN_MS = 250;

/**
 * Deno's serve loop ends when `accept()` meets a full descriptor table
 * (EMFILE), and with it the listener; the connections it accepted live on.
 * A Listener listens again on the same address after a pause, for as long as
 * it takes: while the table is full, listening fails too (and is retried).
 */
export class Listener {
  #current: Deno.HttpServer<Deno.NetAddr> | undefined;
  #stopping = false;
  readonly warnFull = throttledLog(1_000);
  #warnRelisten = throttledLog(30_000);
  #noteBack = throttledLog(1_000);

  constructor(
    private readonly fetch: OponnServer["fetch"],
    private readonly onFirstListen: (addr: Deno.NetAddr) => void = () => {},
  ) {}

  listen(hostname: string, port: number, first = true): void {
    if (this.#stopping) return;
    let server: Deno.HttpServer<Deno.NetAddr>;
    try {
      server = Deno.serve({
        hostname,
        port,
        onListen: (addr) =>
          first ? this.onFirstListen(addr) : this.#noteBack("accepting connections again"),
      }, this.fetch);
    } catch (error) {
      if (first) throw error;
      this.#warnRelisten(`cannot listen yet (${(error as Error).message}); retrying`);
      this.relistenSoon(hostname, port);
      return;
    }
    this.#current = server;
    server.finished.catch((error) => {
      if (!isDescriptorExhaustion(error)) throw error;
      if (this.#current === server) this.#current = undefined;
      this.warnFull(`${reason(error)}: stopped accepting connections; listening again shortly`);
      this.relistenSoon(hostname, port || server.addr.port);
    });
  }

  relistenSoon(hostname: string, port: number): void {
    setTimeout(() => this.listen(hostname, port, false), RELISTEN_MS);
  }

  /** Stops listening; the connections being answered finish. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#current?.shutdown();
  }
}
