/**
 * The databases the store-backed tests run on: the embedded PGlite always,
 * and a fresh database on the Postgres server at TEST_DATABASE_URL (created
 * here, dropped afterwards); without it those variants show as ignored.
 */
import postgres from "postgres";

export interface TestDatabase {
  name: string;
  /** The DATABASE_URL to give Oponn. */
  url: string;
  drop(): Promise<void>;
}

export interface DatabaseFactory {
  name: string;
  /** True when the database is not there: the test shows as ignored, never vanishes. */
  ignore: boolean;
  create(): Promise<TestDatabase>;
}

/** `embedded` always; `postgres` ignored unless TEST_DATABASE_URL is set. */
export function testDatabaseFactories(): DatabaseFactory[] {
  const serverUrl = Deno.env.get("TEST_DATABASE_URL");
  return [{
    name: "embedded",
    ignore: false,
    create: () =>
      Promise.resolve({ name: "embedded", url: "memory://", drop: () => Promise.resolve() }),
  }, {
    name: "postgres",
    ignore: !serverUrl,
    create: () => {
      if (!serverUrl) throw new Error("TEST_DATABASE_URL is not set");
      return createServerDatabase(serverUrl);
    },
  }];
}

export async function createServerDatabase(serverUrl: string): Promise<TestDatabase> {
  const name = `oponn_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name: "postgres",
    url: url.href,
    async drop() {
      const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
      try {
        await admin.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await admin.end();
      }
    },
  };
}
