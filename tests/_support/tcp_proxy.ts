/**
 * A TCP proxy for fault tests, between Oponn and Postgres or Redis, or in front
 * of several Oponn processes (round-robin). Modes:
 * - `pass`: bytes flow both ways;
 * - `cut`: every open connection is closed at once and new ones are refused (the
 *   listener closes; `pass` listens again on the same port), as when a server dies;
 * - `blackhole`: nothing flows and nothing is closed (a partition: the peer waits);
 *   back to `pass`, held bytes flow again.
 */

export type ProxyMode = "pass" | "cut" | "blackhole";

export interface Target {
  hostname: string;
  port: number;
}

interface Pair {
  client: Deno.TcpConn;
  upstream?: Deno.TcpConn;
  closed: boolean;
}

export class TcpProxy {
  readonly port: number;
  /** Connections accepted since start. */
  accepted = 0;
  #listener: Deno.TcpListener;
  #targets: Target[];
  #next = 0;
  #mode: ProxyMode = "pass";
  #pairs = new Set<Pair>();
  #gate?: { promise: Promise<void>; open: () => void };
  #accepting: Promise<void>;
  #tasks = new Set<Promise<void>>();
  #closed = false;

  private constructor(listener: Deno.TcpListener, targets: Target[]) {
    // mutable: a cut closes the listener and `pass` opens a new one on the same port
    this.#listener = listener;
    this.#targets = targets;
    this.port = listener.addr.port;
    this.#accepting = this.#accept();
  }

  /** Listens on a free loopback port and forwards to `targets`, round-robin. */
  static start(targets: Target | Target[]): TcpProxy {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    return new TcpProxy(listener, Array.isArray(targets) ? targets : [targets]);
  }

  /** The same URL with its host and port replaced by this proxy's. */
  static forUrl(url: string): { proxy: TcpProxy; url: string } {
    const parsed = new URL(url);
    const port = Number(parsed.port || (parsed.protocol.startsWith("redis") ? 6379 : 5432));
    const proxy = TcpProxy.start({ hostname: parsed.hostname || "127.0.0.1", port });
    parsed.hostname = "127.0.0.1";
    parsed.port = String(proxy.port);
    return { proxy, url: parsed.href };
  }

  get mode(): ProxyMode {
    return this.#mode;
  }

  get openConnections(): number {
    return this.#pairs.size;
  }

  setTargets(targets: Target[]): void {
    this.#targets = targets;
  }

  pass(): void {
    if (this.#mode === "cut" && !this.#closed) {
      this.#listener = Deno.listen({ hostname: "127.0.0.1", port: this.port });
      this.#accepting = this.#accept();
    }
    this.#mode = "pass";
    this.#gate?.open();
    this.#gate = undefined;
  }

  async cut(): Promise<void> {
    if (this.#mode !== "cut") {
      try {
        this.#listener.close();
      } catch { /* already closed */ }
    }
    this.#mode = "cut";
    this.#gate?.open();
    this.#gate = undefined;
    for (const pair of this.#pairs) this.#closePair(pair);
    await this.#accepting;
  }

  blackhole(): void {
    this.#mode = "blackhole";
    if (!this.#gate) {
      let open!: () => void;
      const promise = new Promise<void>((resolve) => (open = resolve));
      this.#gate = { promise, open };
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#mode = "cut";
    this.#gate?.open();
    try {
      this.#listener.close();
    } catch { /* already closed */ }
    for (const pair of this.#pairs) this.#closePair(pair);
    await this.#accepting;
    await Promise.allSettled([...this.#tasks]);
  }

  async #accept(): Promise<void> {
    while (true) {
      let client: Deno.TcpConn;
      try {
        client = await this.#listener.accept();
      } catch {
        return; // listener closed
      }
      this.accepted++;
      if (this.#mode === "cut") {
        try {
          client.close();
        } catch { /* gone */ }
        continue;
      }
      const task = this.#serve(client);
      this.#tasks.add(task);
      task.finally(() => this.#tasks.delete(task));
    }
  }

  async #serve(client: Deno.TcpConn): Promise<void> {
    const pair: Pair = { client, closed: false };
    this.#pairs.add(pair);
    try {
      await this.#wait();
      if (pair.closed) return;
      pair.upstream = await this.#connectUpstream();
      if (!pair.upstream || pair.closed) return;
      await Promise.race([
        this.#pump(pair, pair.client, pair.upstream),
        this.#pump(pair, pair.upstream, pair.client),
      ]);
    } finally {
      this.#closePair(pair);
    }
  }

  /** The next target that accepts a connection, trying each once. */
  async #connectUpstream(): Promise<Deno.TcpConn | undefined> {
    const targets = this.#targets;
    const start = this.#next++;
    for (let tries = 0; tries < targets.length; tries++) {
      const target = targets[(start + tries) % targets.length];
      try {
        return await Deno.connect({ hostname: target.hostname, port: target.port });
      } catch {
        // that one is down: the next
      }
    }
    return undefined;
  }

  async #pump(pair: Pair, from: Deno.TcpConn, to: Deno.TcpConn): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    try {
      while (!pair.closed) {
        await this.#wait();
        const read = await from.read(buffer);
        if (read === null) return;
        await this.#wait();
        let written = 0;
        while (written < read && !pair.closed) {
          written += await to.write(buffer.subarray(written, read));
        }
      }
    } catch {
      // either side went away
    }
  }

  #wait(): Promise<void> {
    return this.#gate?.promise ?? Promise.resolve();
  }

  #closePair(pair: Pair): void {
    if (pair.closed) return;
    pair.closed = true;
    this.#pairs.delete(pair);
    for (const conn of [pair.client, pair.upstream]) {
      try {
        conn?.close();
      } catch { /* already closed */ }
    }
  }
}
