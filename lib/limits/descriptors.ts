/**
 * The process's file-descriptor limit and the caps derived from it. Every
 * connection, live stream included, holds one descriptor; past the soft limit
 * `accept()` fails with EMFILE and Deno's serve loop ends. Deno has no
 * getrlimit, so the limit is read from `/proc/self/limits` once at start.
 */

/** Assumed when `/proc/self/limits` cannot be read: the usual default soft limit. */
export const FALLBACK_DESCRIPTOR_LIMIT = 1_024;

/** An "unlimited" soft limit: far more descriptors than the memory cap below lets us use. */
const UNLIMITED = 1_048_576;

/**
 * Streams each hold a body buffer (~58 KiB measured, STACK_NOTES): whatever the
 * descriptor limit, a process holds at most this many, well above the
 * benchmark's 10,000 viewers and below what memory bears.
 */
export const MAX_STREAMS_PER_PROCESS = 20_000;

/** Share of the budget live streams may take; plain requests always keep the rest. */
const STREAM_SHARE = 0.75;

/** Kept back for the database pool (10), Redis (3), the listener, files and Deno's own. */
const RESERVED_SHARE = 0.15;
const RESERVED_BASE = 64;
const RESERVED_PER_WORKER = 16;

export interface DescriptorLimit {
  limit: number;
  /** Where the figure came from. */
  source: "/proc/self/limits" | "fallback";
}

/** The soft "Max open files" limit in the text of `/proc/self/limits`. */
export function parseOpenFilesLimit(text: string): number | undefined {
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (!match) return undefined;
  if (match[1] === "unlimited") return UNLIMITED;
  const soft = Number(match[1]);
  return Number.isInteger(soft) && soft > 0 ? soft : undefined;
}

export function readDescriptorLimit(
  read: () => string = () => Deno.readTextFileSync("/proc/self/limits"),
): DescriptorLimit {
  try {
    const limit = parseOpenFilesLimit(read());
    if (limit) return { limit, source: "/proc/self/limits" };
  } catch { /* not Linux, or /proc not mounted */ }
  return { limit: FALLBACK_DESCRIPTOR_LIMIT, source: "fallback" };
}

export interface DescriptorBudget {
  limit: number;
  workers: number;
  /** Descriptors never promised to clients. */
  reserved: number;
  /** Live streams plus requests being answered, for the whole process. */
  connections: number;
  /** Live streams for the whole process (part of `connections`). */
  streams: number;
  /** The same caps for one worker: each worker counts only its own requests. */
  perWorker: { connections: number; streams: number };
  /**
   * Open descriptors (the whole process, every worker) at which new requests
   * are refused: half the reserve is still free for the database and Redis.
   */
  ceiling: number;
}

/**
 * Under `deno serve --parallel` the workers are threads of one process with
 * one descriptor table, and they share no memory a counter could live in: the
 * process's caps are split evenly among them. Connections reach workers about
 * evenly, so a worker at its share means the process is near its limit.
 */
export function deriveBudget(limit: number, workers = 1): DescriptorBudget {
  const reserved = Math.min(
    limit - 2 * workers,
    Math.max(Math.ceil(limit * RESERVED_SHARE), RESERVED_BASE + RESERVED_PER_WORKER * workers),
  );
  const connections = Math.max(2 * workers, limit - reserved);
  const streams = Math.min(MAX_STREAMS_PER_PROCESS, Math.floor(connections * STREAM_SHARE));
  return {
    limit,
    workers,
    reserved,
    connections,
    streams,
    perWorker: {
      connections: Math.max(1, Math.floor(connections / workers)),
      streams: Math.max(1, Math.floor(streams / workers)),
    },
    ceiling: limit - Math.floor(reserved / 2),
  };
}

/**
 * How many workers serve requests in this process: `deno serve --parallel`
 * starts DENO_JOBS of them, or one per available CPU (the figure
 * `navigator.hardwareConcurrency` reports: both follow CPU affinity, checked
 * with `taskset`); `deno run` and plain `deno serve` run one.
 */
export function serveWorkers(
  commandLine: string[] = readCommandLine(),
  jobs: string | undefined = Deno.env.get("DENO_JOBS"),
  cpus: number = navigator.hardwareConcurrency,
): number {
  // Flags after the script are the script's own.
  const script = commandLine.findIndex((arg) => /\.[mc]?[jt]sx?$|^[a-z]+:/.test(arg));
  const options = commandLine.slice(0, script < 0 ? undefined : script);
  if (options[1] !== "serve" || !options.includes("--parallel")) return 1;
  const fromJobs = Number(jobs);
  if (Number.isInteger(fromJobs) && fromJobs > 0) return fromJobs;
  return Math.max(1, cpus || 1);
}

function readCommandLine(): string[] {
  try {
    return Deno.readTextFileSync("/proc/self/cmdline").split("\0").filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * Descriptors the process holds now, or undefined when it cannot tell. Since
 * Linux 6.2 the size of `/proc/self/fd` is that count: one stat, ~6 µs at
 * 1,000 descriptors. Older kernels report 0 and the directory is listed
 * instead, ~7.6 ms at 1,000 descriptors: callers sample, never per request.
 */
export function openDescriptors(): number | undefined {
  try {
    const size = Deno.statSync("/proc/self/fd").size;
    if (size > 0) return size;
    let count = 0;
    for (const _ of Deno.readDirSync("/proc/self/fd")) count++;
    // Less the descriptor the listing itself held open.
    return Math.max(0, count - 1);
  } catch {
    return undefined;
  }
}

/**
 * The error Deno's serve loop ends with when `accept()` finds the descriptor
 * table full (EMFILE, os error 24) or the system's (ENFILE, 23):
 * `Http: Error: Too many open files (os error 24)`.
 */
export function isDescriptorExhaustion(error: unknown): boolean {
  return error instanceof Deno.errors.Http && /\(os error 2[34]\)/.test(error.message);
}
