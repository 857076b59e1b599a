/** The one reader of the environment. Everything else receives a Config. */

export type OponnEnv = "development" | "test" | "production";

export interface Config {
  port: number;
  host: string;
  env: OponnEnv;
  /** `undefined`: embedded database under dataDir; `memory://`: embedded, in memory. */
  databaseUrl?: string;
  dataDir: string;
  redisUrl?: string;
  skipCsrf: boolean;
  rateLimit: boolean;
  /** Signs voter cookies and CSRF tokens (OPONN_SECRET, or one kept in the data directory). */
  secret: string;
  /** Peers whose `X-Forwarded-For` is believed: addresses and CIDRs. */
  trustedProxies: string[];
  /** Who may read `/metrics` besides loopback: addresses and CIDRs. */
  metricsAllow: string[];
  /** The base of share links (`https://vote.example.org`); unset: taken from a well-formed Host. */
  publicUrl?: URL;
  /** Origins allowed to frame `/embed/{id}`. */
  embedOrigins: string[];
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = Deno.env.toObject()): Config {
  const oponnEnv = parseEnvName(env.OPONN_ENV);
  const port = Number(env.PORT ?? "8000");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT must be a port number, got "${env.PORT}"`);
  }
  const databaseUrl = nonEmpty(env.DATABASE_URL);
  const redisUrl = nonEmpty(env.REDIS_URL);
  if (oponnEnv === "production") {
    if (!databaseUrl || databaseUrl === "memory://") {
      throw new ConfigError(
        "DATABASE_URL must be set to a postgres:// URL when OPONN_ENV=production",
      );
    }
    if (!redisUrl) throw new ConfigError("REDIS_URL must be set when OPONN_ENV=production");
  }
  const skipCsrf = env.OPONN_SKIP_CSRF === "true";
  if (skipCsrf && oponnEnv === "production") {
    throw new ConfigError("OPONN_SKIP_CSRF=true is refused when OPONN_ENV=production");
  }
  const rateLimitSetting = nonEmpty(env.OPONN_RATE_LIMIT);
  const dataDir = nonEmpty(env.OPONN_DATA_DIR) ?? "./data";
  return {
    port,
    host: nonEmpty(env.HOST) ?? "127.0.0.1",
    env: oponnEnv,
    databaseUrl,
    dataDir,
    redisUrl,
    skipCsrf,
    rateLimit: rateLimitSetting ? rateLimitSetting !== "off" : oponnEnv === "production",
    secret: loadSecret(env.OPONN_SECRET, oponnEnv, databaseUrl, dataDir),
    trustedProxies: list(env.OPONN_TRUSTED_PROXIES, "OPONN_TRUSTED_PROXIES", isAddressOrCidr),
    metricsAllow: list(env.OPONN_METRICS_ALLOW, "OPONN_METRICS_ALLOW", isAddressOrCidr),
    publicUrl: parsePublicUrl(env.OPONN_PUBLIC_URL),
    embedOrigins: list(env.OPONN_EMBED_ORIGINS, "OPONN_EMBED_ORIGINS", isOrigin),
  };
}

const MIN_SECRET_LENGTH = 32;
const SECRET_FILE = "secret";

/**
 * Production must be given its secret (every process signs alike). Elsewhere
 * one is made once and kept beside the embedded database, so cookies survive a
 * restart; an in-memory database gets a secret that lives as long as it does.
 */
function loadSecret(
  value: string | undefined,
  oponnEnv: OponnEnv,
  databaseUrl: string | undefined,
  dataDir: string,
): string {
  const given = nonEmpty(value);
  if (given) {
    if (given.length < MIN_SECRET_LENGTH) {
      throw new ConfigError(`OPONN_SECRET must be at least ${MIN_SECRET_LENGTH} characters long`);
    }
    return given;
  }
  if (oponnEnv === "production") {
    throw new ConfigError("OPONN_SECRET must be set when OPONN_ENV=production");
  }
  if (databaseUrl === "memory://") return randomSecret();
  const path = `${dataDir}/${SECRET_FILE}`;
  try {
    Deno.mkdirSync(dataDir, { recursive: true });
    Deno.writeTextFileSync(path, randomSecret(), { createNew: true, mode: 0o600 });
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) {
      throw new ConfigError(`could not keep a secret in ${path}: ${(error as Error).message}`);
    }
  }
  const kept = Deno.readTextFileSync(path).trim();
  if (kept.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(`${path} holds no usable secret: delete it or set OPONN_SECRET`);
  }
  return kept;
}

function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function list(
  value: string | undefined,
  name: string,
  valid: (item: string) => boolean,
): string[] {
  const items = (value ?? "").split(/[\s,]+/).filter(Boolean);
  const bad = items.find((item) => !valid(item));
  if (bad !== undefined) throw new ConfigError(`${name} has an entry it cannot use: "${bad}"`);
  return items;
}

function isAddressOrCidr(item: string): boolean {
  const [address, bits, extra] = item.split("/");
  if (extra !== undefined || (bits !== undefined && !/^\d{1,3}$/.test(bits))) return false;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) {
    return address.split(".").every((part) => Number(part) <= 255) && Number(bits ?? 32) <= 32;
  }
  return /^[0-9a-f:]+$/i.test(address) && address.includes(":") && Number(bits ?? 128) <= 128;
}

function isOrigin(item: string): boolean {
  try {
    const url = new URL(item);
    return (url.protocol === "https:" || url.protocol === "http:") && url.origin === item;
  } catch {
    return false;
  }
}

function parsePublicUrl(value: string | undefined): URL | undefined {
  const raw = nonEmpty(value);
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol === "https:" || url.protocol === "http:") return new URL(url.origin);
  } catch {
    // fall through to the error below
  }
  throw new ConfigError(`OPONN_PUBLIC_URL must be an http(s) URL, got "${raw}"`);
}

function parseEnvName(value: string | undefined): OponnEnv {
  const name = nonEmpty(value) ?? "development";
  if (name === "development" || name === "test" || name === "production") return name;
  throw new ConfigError(
    `OPONN_ENV must be development, test or production, got "${value}"`,
  );
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
