/** Domain errors that routes map to responses. */

/** The database could not be reached or dropped the connection: answer 503, record nothing. */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super("The database is unavailable", { cause });
    this.name = "StoreUnavailableError";
  }
}

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "57P01", // admin_shutdown
  "57P03", // cannot_connect_now
  "08006", // connection_failure
  "08001",
  "08003",
]);

/** Rethrows connection failures as StoreUnavailableError; everything else unchanged. */
export function asStoreError(error: unknown): unknown {
  const code = (error as { code?: string })?.code;
  if (code && CONNECTION_CODES.has(code)) return new StoreUnavailableError(error);
  if (
    error instanceof Deno.errors.ConnectionRefused || error instanceof Deno.errors.ConnectionReset
  ) {
    return new StoreUnavailableError(error);
  }
  return error;
}

/**
 * Longest wait for the database on a request. A dropped connection normally
 * fails fast, but postgres.js can leave a query waiting on a connection that is
 * gone (see surviveClosedSocketWrites), and a partitioned server answers
 * nothing: a request must get its 503 rather than hang.
 */
export const STORE_TIMEOUT_MS = 5_000;

export async function guardStore<T>(
  work: () => Promise<T>,
  timeoutMs = STORE_TIMEOUT_MS,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const running = work();
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new StoreUnavailableError(new Error(`no answer within ${timeoutMs} ms`))),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([running, timeout]);
  } catch (error) {
    throw asStoreError(error);
  } finally {
    clearTimeout(timer);
    // A late failure of work we stopped waiting for is not news.
    running.catch(() => {});
  }
}

let guarded = false;

/**
 * postgres.js 3.4.9 can write to a connection it has just closed, from a
 * `setImmediate`, and throw `Cannot read properties of null (reading 'write')`
 * outside any promise (porsager/postgres#1208, #1154): uncaught, it would end
 * the process whenever Postgres drops a connection. The query concerned is
 * rejected with CONNECTION_CLOSED by the driver's own close path, so the only
 * harm is the throw itself: swallow that one error, let every other through.
 */
export function surviveClosedSocketWrites(log: (message: string) => void = console.error): void {
  if (guarded) return;
  guarded = true;
  globalThis.addEventListener("error", (event) => {
    const error = event.error as Error | undefined;
    if (
      error instanceof TypeError && /reading 'write'/.test(error.message) &&
      /nextWrite/.test(error.stack ?? "") && /postgres/.test(error.stack ?? "")
    ) {
      event.preventDefault();
      log("postgres: ignored a write on a connection that had just closed");
    }
  });
}
