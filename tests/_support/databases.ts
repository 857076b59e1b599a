/**
 * The databases the store-backed tests run on: the embedded PGlite always,
 * and a fresh database on the Postgres server at TEST_DATABASE_URL when set
 * (created here, dropped afterwards).
 */
import postgres from "postgres";

export interface TestDatabase {
  name: string;
  /** The DATABASE_URL to give Oponn. */
  url: string;
  drop(): Promise<void>;
}

export type DatabaseFactory = { name: string; create(): Promise<TestDatabase> };

export function testDatabaseFactories(): DatabaseFactory[] {
  const factories: DatabaseFactory[] = [{
    name: "embedded",
    create: () =>
      Promise.resolve({ name: "embedded", url: "memory://", drop: () => Promise.resolve() }),
  }];
  const serverUrl = Deno.env.get("TEST_DATABASE_URL");
  if (serverUrl) {
    factories.push({
      name: "postgres",
      create: () => createServerDatabase(serverUrl),
    });
  }
  return factories;
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

let announced = false;
/** Prints once why the server-backed variants are skipped. */
export function announceSkips(): void {
  if (announced || Deno.env.get("TEST_DATABASE_URL")) return;
  announced = true;
  console.log("TEST_DATABASE_URL is not set: Postgres-server variants skipped (embedded only)");
}
