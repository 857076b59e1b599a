/** Child processes for the bench: Oponn, the bare server, load generators, viewers. */

export const ROOT = new URL("../", import.meta.url);
export const BENCH = new URL("./", import.meta.url);

export interface Child {
  pid: number;
  /** Resolves with the next stdout line matching `pattern` (rejects if the process exits first). */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  write(text: string): Promise<void>;
  /** Stdout and stderr so far (the last 64 KiB of each). */
  output(): { stdout: string; stderr: string };
  exited: Promise<Deno.CommandStatus>;
  stop(timeoutMs?: number): Promise<void>;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  /** Raise the soft open-file limit to the hard one first (many sockets). */
  manyFiles?: boolean;
  stdin?: boolean;
  /** Copy the child's stderr to ours as it comes. */
  echoStderr?: boolean;
  /** Extra `deno run` flags (e.g. --cpu-prof). */
  flags?: string[];
  /** Working directory (default: this checkout's root). */
  cwd?: string | URL;
}

const KEEP = 64 * 1024;

/** `deno run -A <script> ...args`, through bash when the open-file limit must be raised. */
export function spawnDeno(script: string, args: string[], options: SpawnOptions = {}): Child {
  const deno = Deno.execPath();
  const flags = options.flags ?? [];
  const command = options.manyFiles
    ? new Deno.Command("bash", {
      args: [
        "-c",
        'ulimit -n "$(ulimit -Hn)"; exec "$0" run -A "$@"',
        deno,
        ...flags,
        script,
        ...args,
      ],
      cwd: options.cwd ?? ROOT,
      env: { NO_COLOR: "1", ...options.env },
      stdin: options.stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
    })
    : new Deno.Command(deno, {
      args: ["run", "-A", ...flags, script, ...args],
      cwd: options.cwd ?? ROOT,
      env: { NO_COLOR: "1", ...options.env },
      stdin: options.stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
    });
  const child = command.spawn();
  let stdout = "";
  let stderr = "";
  let pending = "";
  const lines: string[] = [];
  let wake: (() => void) | undefined;
  let done = false;

  const readOut = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stdout) {
      const text = decoder.decode(chunk, { stream: true });
      stdout = (stdout + text).slice(-KEEP);
      pending += text;
      const parts = pending.split("\n");
      pending = parts.pop()!;
      lines.push(...parts);
      wake?.();
    }
  })();
  const readErr = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) {
      const text = decoder.decode(chunk, { stream: true });
      stderr = (stderr + text).slice(-KEEP);
      if (options.echoStderr) Deno.stderr.writeSync(chunk);
    }
  })();
  const exited = (async () => {
    const status = await child.status;
    await Promise.allSettled([readOut, readErr]);
    done = true;
    wake?.();
    return status;
  })();
  const writer = options.stdin ? child.stdin.getWriter() : undefined;

  return {
    pid: child.pid,
    async waitFor(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (true) {
        while (lines.length > 0) {
          const match = pattern.exec(lines.shift()!);
          if (match) return match;
        }
        if (done) {
          const status = await exited;
          throw new Error(
            `${script} exited (code ${status.code}) before printing ${pattern}\n${
              stderr.slice(-4000)
            }`,
          );
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`${script}: no ${pattern} within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 1000));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    },
    async write(text) {
      await writer?.write(new TextEncoder().encode(text));
    },
    output: () => ({ stdout, stderr }),
    exited,
    async stop(timeoutMs = 12_000) {
      if (done) return;
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }, timeoutMs);
      await exited;
      clearTimeout(timer);
      await writer?.close().catch(() => {});
    },
  };
}

/** Resident set size of a process, in KiB (VmRSS in /proc/PID/status). */
export function rssKiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]);
}

/** Runs a load generator script to its end and returns the JSON of its `RESULT` line. */
export async function runToResult<T>(
  script: string,
  config: unknown,
  timeoutMs: number,
  options: SpawnOptions = {},
): Promise<T> {
  const child = spawnDeno(script, [JSON.stringify(config)], { echoStderr: true, ...options });
  try {
    const match = await child.waitFor(/^RESULT (.*)$/, timeoutMs);
    return JSON.parse(match[1]) as T;
  } finally {
    await child.stop(2_000);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** CPU time (user + system) a process has used so far, in milliseconds. */
export function cpuMs(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  // Fields after the command name (which may hold spaces) start after ") ".
  const fields = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
  // utime and stime are fields 14 and 15 (1-based), i.e. 11 and 12 here; clock ticks of 10 ms.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * CPU time (ms) of every PostgreSQL process on this machine (backends and
 * background workers), by pid: the database's share of the cores the bench shares.
 */
export function postgresCpuMs(): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (name === "postgres") byPid.set(Number(entry.name), cpuMs(Number(entry.name)));
    } catch { /* gone, or not ours to read */ }
  }
  return byPid;
}

/** CPU ms PostgreSQL used since `before` (processes started since count from zero). */
export function postgresCpuSince(before: Map<number, number>): number {
  let used = 0;
  for (const [pid, now] of postgresCpuMs()) used += now - (before.get(pid) ?? 0);
  return used;
}

/** The machine as every bench report names it (the Postgres version is added where known). */
export function machineInfo() {
  return {
    cores: navigator.hardwareConcurrency,
    memoryGiB: Math.round(Deno.systemMemoryInfo().total / 2 ** 30 * 10) / 10,
    loadAverage: Deno.loadavg().map((value) => value.toFixed(2)).join(" "),
    deno: Deno.version.deno,
  };
}
