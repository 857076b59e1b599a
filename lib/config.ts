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
  return {
    port,
    host: nonEmpty(env.HOST) ?? "127.0.0.1",
    env: oponnEnv,
    databaseUrl,
    dataDir: nonEmpty(env.OPONN_DATA_DIR) ?? "./data",
    redisUrl,
    skipCsrf,
    rateLimit: rateLimitSetting ? rateLimitSetting !== "off" : oponnEnv === "production",
  };
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
