/** A real Oponn process (`deno run -A main.ts`) on a free port, for tests that kill it. */

const ROOT = new URL("../../", import.meta.url);

export interface OponnProcess {
  url: string;
  port: number;
  pid: number;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  stdout(): string;
  kill(signal: Deno.Signal): void;
  /** Resolves when the process has exited. */
  exited: Promise<Deno.CommandStatus>;
  /** SIGKILL if still running, then waits for the exit. */
  stop(): Promise<void>;
}

export interface SpawnOptions {
  startTimeoutMs?: number;
  /** Run under this descriptor limit (`ulimit -n`, soft and hard). */
  descriptorLimit?: number;
  /** Deno's arguments (default `run -A main.ts`), e.g. `serve --parallel … main.ts`. */
  args?: string[];
}

/** Deno's arguments for Oponn as the image runs it: `deno serve --parallel` on serve.ts. */
export function serveParallelArgs(port: number): string[] {
  return ["serve", "--parallel", "-A", "--host", "127.0.0.1", "--port", String(port), "serve.ts"];
}

export async function spawnOponn(
  env: Record<string, string>,
  options: SpawnOptions = {},
): Promise<OponnProcess> {
  const args = options.args ?? ["run", "-A", "main.ts"];
  const limited = options.descriptorLimit !== undefined;
  // bash execs Deno in its place: the pid stays the process under test.
  const child = new Deno.Command(limited ? "bash" : Deno.execPath(), {
    args: limited
      ? ["-c", `ulimit -n ${options.descriptorLimit} && exec "$0" "$@"`, Deno.execPath(), ...args]
      : args,
    cwd: ROOT,
    env: {
      NO_COLOR: "1",
      PORT: "0",
      HOST: "127.0.0.1",
      OPONN_ENV: "test",
      // Every process of a test signs alike, as production processes share OPONN_SECRET.
      OPONN_SECRET: "oponn-test-secret-0123456789abcdef",
      OPONN_DATA_DIR: "",
      REDIS_URL: "",
      ...env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();

  let out = "";
  let err = "";
  let listening: (url: string) => void;
  const started = new Promise<string>((resolve) => (listening = resolve));
  const readOut = collect(child.stdout, (text) => {
    out += text;
    const match = /oponn listening on (http:\/\/[\d.]+:\d+)/.exec(out);
    if (match) listening(match[1]);
  });
  const readErr = collect(child.stderr, (text) => {
    err += text;
    // `deno serve` announces itself when the module does not.
    const match = /deno serve: Listening on (http:\/\/[\d.]+:\d+)/.exec(err);
    if (match) listening(match[1]);
  });
  const exited = (async () => {
    const status = await child.status;
    await Promise.allSettled([readOut, readErr]);
    return status;
  })();

  const timeoutMs = options.startTimeoutMs ?? 30_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    started,
    exited.then((status) => new Error(`Oponn exited with ${status.code} at start: ${err}`)),
    new Promise<Error>((resolve) => {
      timer = setTimeout(
        () => resolve(new Error(`Oponn did not start in ${timeoutMs} ms`)),
        timeoutMs,
      );
    }),
  ]);
  clearTimeout(timer);
  if (outcome instanceof Error) {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await exited;
    throw outcome;
  }
  const url = outcome;
  let done = false;
  exited.then(() => (done = true));
  return {
    url,
    port: Number(new URL(url).port),
    pid: child.pid,
    stderr: () => err,
    stdout: () => out,
    kill(signal) {
      if (!done) child.kill(signal);
    },
    exited,
    async stop() {
      if (!done) {
        try {
          child.kill("SIGKILL");
        } catch { /* exited meanwhile */ }
      }
      await exited;
    },
  };
}

async function collect(stream: ReadableStream<Uint8Array>, sink: (text: string) => void) {
  const decoder = new TextDecoder();
  for await (const chunk of stream) sink(decoder.decode(chunk, { stream: true }));
}

/** Lines of a process log that look like a JavaScript stack trace. */
export function stackTraceLines(log: string): string[] {
  return log.split("\n").filter((line) =>
    /^\s+at .+(\(|:\d+:\d+)/.test(line) || /\b(Uncaught|TypeError|ReferenceError)\b/.test(line)
  );
}
