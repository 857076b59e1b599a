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

export async function guardStore<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asStoreError(error);
  }
}
