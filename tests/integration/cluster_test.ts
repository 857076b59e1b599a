/**
 * Several Oponn processes on one Postgres database and one Redis, as in
 * production: each is a real `deno run -A main.ts` child process.
 */
import postgres from "postgres";
import { Redis } from "ioredis";
import { assert, assertEquals, assertStringIncludes } from "../_support/assert.ts";
import { Client, readCounts } from "../_support/client.ts";
import { createServerDatabase, type TestDatabase } from "../_support/databases.ts";
import { type OponnProcess, spawnOponn } from "../_support/oponn_process.ts";
import { startTestServer } from "../_support/server.ts";
import { SseReader } from "../_support/sse.ts";
import { RedisTransport } from "../../lib/live/redis_transport.ts";
import type { Sql } from "../../lib/stores/database.ts";
import { loadMigrations } from "../../lib/stores/migrate.ts";
import { TransitionAnnouncer } from "../../lib/ballots/transitions.ts";

const DATABASE = Deno.env.get("TEST_DATABASE_URL");
const REDIS = Deno.env.get("TEST_REDIS_URL");
const ignore = !DATABASE || !REDIS;
if (ignore) {
  console.log("cluster tests skipped: TEST_DATABASE_URL and TEST_REDIS_URL must both be set");
}

// Child processes and their pipes outlive single steps on purpose.
const base = { ignore, sanitizeOps: false, sanitizeResources: false };

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  listener.close();
  return listener.addr.port;
}

/** A throwaway `redis-server` on `port`, answering PING before this resolves. */
async function startRedisServer(port: number): Promise<{ stop(): Promise<void> }> {
  const child = new Deno.Command("redis-server", {
    args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const stop = async () => {
    try {
      child.kill("SIGKILL");
    } catch { /* already stopped */ }
    await child.status;
  };
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return { stop };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  await stop();
  throw new Error(`redis-server did not start on port ${port}`);
}

/** Starts `count` processes at once; stops the ones that did start if any fails. */
async function spawnMany(count: number, env: Record<string, string>): Promise<OponnProcess[]> {
  const started = await Promise.allSettled(Array.from({ length: count }, () => spawnOponn(env)));
  const processes = started.flatMap((s) => s.status === "fulfilled" ? [s.value] : []);
  const failed = started.find((s) => s.status === "rejected");
  if (failed) {
    await Promise.all(processes.map((p) => p.stop()));
    throw (failed as PromiseRejectedResult).reason;
  }
  return processes;
}

/** Runs `work` on a fresh database, then drops it. */
async function withDatabase(work: (db: TestDatabase) => Promise<void>): Promise<void> {
  const db = await createServerDatabase(DATABASE!);
  try {
    await work(db);
  } finally {
    await db.drop();
  }
}

async function vote(client: Client, id: string, option: string): Promise<void> {
  const response = await client.post(`/vote/${id}`, { option });
  await response.body?.cancel();
  assertEquals(response.status, 303, `vote for ${option}`);
}

const total = (html: string) => Object.values(readCounts(html)).reduce((a, b) => a + b, 0);

Deno.test({
  ...base,
  name: "two processes on one database and Redis serve as one service",
  fn: (t) =>
    withDatabase(async (db) => {
      const [a, b] = await spawnMany(2, { DATABASE_URL: db.url, REDIS_URL: REDIS! });
      const sql = postgres(db.url, { max: 2, onnotice: () => {} });
      try {
        const onA = new Client(a.url);
        const onB = new Client(b.url);

        await t.step("a ballot created on A is listed on B", async () => {
          const id = await onA.createBallot({ measure: "Made on A", options_raw: "x, y" });
          const home = await onB.open("/");
          assertStringIncludes(home, "Made on A");
          assertStringIncludes(home, `/vote/${id}`);
        });

        await t.step("a viewer on B receives a vote cast on A within 1 s", async () => {
          const id = await onA.createBallot({ measure: "Across processes", options_raw: "x, y" });
          const viewer = await SseReader.open(`${b.url}/ballots/${id}/live-results`);
          try {
            await viewer.waitFor((e) => e.event === "results" && e.data.includes('data-total="0"'));
            const castAt = performance.now();
            await vote(onA, id, "y");
            const event = await viewer.waitFor(
              (e) => e.event === "results" && e.data.includes('data-total="1"'),
              1000,
            );
            assertEquals(readCounts(event.data), { x: 0, y: 1 });
            assert(event.receivedAt - castAt < 1000, `${event.receivedAt - castAt} ms`);
          } finally {
            await viewer.close();
          }
        });

        await t.step(
          "50 clients over A and B cast 20 votes each: exactly 1,000 on both",
          async () => {
            const options = ["red", "green", "blue"];
            const id = await onA.createBallot({ measure: "Load", options_raw: options.join(", ") });
            const viewers = await Promise.all(
              [a, b].map((p) => SseReader.open(`${p.url}/ballots/${id}/live-results`)),
            );
            try {
              const expected: Record<string, number> = { red: 0, green: 0, blue: 0 };
              await Promise.all(Array.from({ length: 50 }, async (_, i) => {
                const client = new Client([a, b][i % 2].url);
                for (let j = 0; j < 20; j++) {
                  const option = options[(i + j) % 3];
                  expected[option]++;
                  await vote(client, id, option);
                }
              }));
              for (const server of [a, b]) {
                const html = await (await new Client(server.url).get(`/results/${id}`)).text();
                assertEquals(total(html), 1000, server.url);
                assertEquals(readCounts(html), expected, server.url);
              }
              for (const viewer of viewers) {
                const last = await viewer.waitFor((e) =>
                  e.event === "results" && e.data.includes('data-total="1000"')
                );
                assertEquals(readCounts(last.data), expected);
              }
              const [{ count }] = await sql`select count(*)::int as count from votes
              where ballot_id = ${id}`;
              assertEquals(count, 1000);
            } finally {
              await Promise.all(viewers.map((v) => v.close()));
            }
          },
        );

        await t.step(
          "a scheduled ballot opens live on B; the reaper announces it once",
          async () => {
            const startsAt = new Date(Date.now() + 1500);
            const startsAtTick = performance.now() + 1500;
            const id = await onA.createBallot({
              measure: "Opens soon",
              options_raw: "x, y",
              start_time_type: "scheduled",
              scheduled_start_time: startsAt.toISOString(),
            });
            const viewer = await SseReader.open(`${b.url}/ballots/${id}/live-results`);
            try {
              const first = await viewer.waitFor((e) => e.event === "status");
              assertStringIncludes(first.data, 'data-status="pending"');
              const opened = await viewer.waitFor(
                (e) => e.event === "status" && e.data.includes('data-status="active"'),
                4000,
              );
              // At the instant itself, not at the next reaper run.
              const late = opened.receivedAt - startsAtTick;
              assert(late > -50 && late < 1000, `opened ${late.toFixed(0)} ms after its start`);
              const cast = viewer.events.filter((e) => e.event === "cast").at(-1)!;
              assert(!cast.data.includes("disabled"), "cast_vote is enabled");
            } finally {
              await viewer.close();
            }
            // Reapers of several processes race for the announcement: exactly one wins. Their
            // claims live under a namespace of this run's own, so that A's or B's cron (when a
            // minute turns meanwhile) cannot have won it first and left nothing to prove.
            const transports = [1, 2, 3].map(() => new RedisTransport(REDIS!));
            const redis = new Redis(REDIS!);
            const namespace = `test:${crypto.randomUUID()}:`;
            try {
              const published: string[] = [];
              const announcers = transports.map((transport) =>
                new TransitionAnnouncer({
                  sql: sql as unknown as Sql,
                  publish: (ballotId) => Promise.resolve(void published.push(ballotId)),
                  claim: (key, ttlMs) => transport.claim(namespace + key, ttlMs),
                }, 30_000)
              );
              await Promise.all(announcers.map((announcer) => announcer.run()));
              assertEquals(
                published.filter((ballotId) => ballotId === id).length,
                1,
                `announced once by three racing reapers: ${published.join(", ")}`,
              );
              const key = `${namespace}oponn:transition:${id}:opened`;
              assert(await redis.pttl(key) > 60_000, "the claim outlives the next reaper runs");
            } finally {
              redis.disconnect();
              await Promise.all(transports.map((transport) => transport.close()));
            }
          },
        );

        await t.step("vote-to-viewer delay across processes, 100 votes", async () => {
          const id = await onA.createBallot({ measure: "Delay", options_raw: "x, y" });
          const viewer = await SseReader.open(`${b.url}/ballots/${id}/live-results`);
          try {
            const delays: number[] = [];
            for (let n = 1; n <= 100; n++) {
              // Past the 100 ms coalescing window, so each vote is flushed on its own.
              await new Promise((resolve) => setTimeout(resolve, 110));
              const castAt = performance.now();
              await vote(onA, id, "x");
              const event = await viewer.waitFor((e) =>
                e.event === "results" && e.data.includes(`data-total="${n}"`)
              );
              delays.push(event.receivedAt - castAt);
            }
            delays.sort((x, y) => x - y);
            const ms = (value: number) => `${value.toFixed(1)} ms`;
            const median = (delays[49] + delays[50]) / 2;
            console.log(
              `vote on A → viewer on B, 100 votes (POST included): median ${ms(median)}, ` +
                `p90 ${ms(delays[89])}, worst ${ms(delays[99])}`,
            );
          } finally {
            await viewer.close();
          }
        });
      } finally {
        await sql.end();
        await Promise.all([a.stop(), b.stop()]);
      }
    }),
});

Deno.test({
  ...base,
  name: "three processes started at once on an empty database apply each migration once",
  fn: () =>
    withDatabase(async (db) => {
      const processes = await spawnMany(3, { DATABASE_URL: db.url, REDIS_URL: REDIS! });
      const sql = postgres(db.url, { max: 1, onnotice: () => {} });
      try {
        const rows = await sql<{ version: string }[]>`select version from schema_migrations`;
        const versions = (await loadMigrations()).map((m) => m.version);
        assertEquals(rows.map((r) => r.version).sort(), versions);
        for (const process of processes) {
          const response = await fetch(`${process.url}/readyz`);
          assertEquals([response.status, await response.text()], [200, "ready"]);
        }
      } finally {
        await sql.end();
        await Promise.all(processes.map((p) => p.stop()));
      }
    }),
});

/** `oponn_<name> N` from `GET /metrics`. */
async function gauge(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = new RegExp(`^oponn_${name} (\\d+)$`, "m").exec(text);
  if (!match) throw new Error(`No metric oponn_${name}`);
  return Number(match[1]);
}

Deno.test({
  ...base,
  name: "no subscription outlives the viewers of a ballot after a reaper cycle",
  fn: () =>
    withDatabase(async (db) => {
      const server = await startTestServer({ DATABASE_URL: db.url, REDIS_URL: REDIS! });
      const redis = new Redis(REDIS!);
      try {
        const client = new Client(server.url);
        const id = await client.createBallot({ measure: "Watched then left", options_raw: "x, y" });
        const numsub = async () => (await redis.pubsub("NUMSUB", `oponn:ballot:${id}`))[1];
        const viewers = await Promise.all(
          [1, 2, 3].map(() => SseReader.open(`${server.url}/ballots/${id}/live-results`)),
        );
        await Promise.all(viewers.map((v) => v.waitFor((e) => e.event === "results")));
        assertEquals(await gauge(server.url, "sse_viewers"), 3);
        assertEquals(await gauge(server.url, "live_subscriptions"), 1);
        assertEquals(await numsub(), 1, "one Redis subscription for three viewers");

        await Promise.all(viewers.map((v) => v.close()));
        await new Promise((resolve) => setTimeout(resolve, 50));
        server.oponn.reap();
        assertEquals(await gauge(server.url, "sse_viewers"), 0);
        assertEquals(await gauge(server.url, "live_subscriptions"), 0);
        assertEquals(await gauge(server.url, "live_ballots"), 0);
        assertEquals(await gauge(server.url, "live_timers"), 0);
        assertEquals(await numsub(), 0, "Redis has no subscriber left for the ballot");
      } finally {
        redis.disconnect();
        await server.close();
      }
    }),
});

Deno.test({
  ...base,
  name: "after a Redis restart a vote reaches a viewer on another process within 5 s",
  fn: () =>
    withDatabase(async (db) => {
      const port = freePort();
      let redis = await startRedisServer(port);
      const env = { DATABASE_URL: db.url, REDIS_URL: `redis://127.0.0.1:${port}` };
      let processes: OponnProcess[] = [];
      try {
        processes = await spawnMany(2, env);
        const [a, b] = processes;
        const onA = new Client(a.url);
        const id = await onA.createBallot({ measure: "Survives Redis", options_raw: "x, y" });
        const viewer = await SseReader.open(`${b.url}/ballots/${id}/live-results`);
        try {
          await viewer.waitFor((e) => e.event === "results" && e.data.includes('data-total="0"'));
          await vote(onA, id, "x");
          await viewer.waitFor(
            (e) => e.event === "results" && e.data.includes('data-total="1"'),
            1000,
          );

          await redis.stop();
          // The vote path does not need Redis: this one is recorded while it is down.
          await vote(onA, id, "y");
          const ready = await fetch(`${a.url}/readyz`);
          assertEquals([ready.status, await ready.text()], [503, "not ready"]);

          redis = await startRedisServer(port);
          const back = performance.now();
          // Missed while Redis was away: brought by the resync after reconnecting.
          const caughtUp = await viewer.waitFor(
            (e) => e.event === "results" && e.data.includes('data-total="2"'),
            5000,
          );
          assertEquals(readCounts(caughtUp.data), { x: 1, y: 1 });
          await vote(onA, id, "y");
          const next = await viewer.waitFor(
            (e) => e.event === "results" && e.data.includes('data-total="3"'),
            5000,
          );
          assertEquals(readCounts(next.data), { x: 1, y: 2 });
          console.log(
            `redis back → missed vote on viewer ${(caughtUp.receivedAt - back).toFixed(0)} ms, ` +
              `next vote ${(next.receivedAt - back).toFixed(0)} ms`,
          );
          assert(next.receivedAt - back < 5000);
          const readyAgain = await fetch(`${a.url}/readyz`);
          assertEquals([readyAgain.status, await readyAgain.text()], [200, "ready"]);
        } finally {
          await viewer.close();
        }
      } finally {
        await Promise.all(processes.map((p) => p.stop()));
        await redis.stop();
      }
    }),
});

/** `deno task prod`'s command on a free port; resolves once a worker answers /readyz. */
async function serveParallel(env: Record<string, string>, workers: number) {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["serve", "--parallel", "-A", "--host", "127.0.0.1", "--port", String(port), "serve.ts"],
    cwd: new URL("../../", import.meta.url),
    env: {
      ...env,
      DENO_JOBS: String(workers),
      OPONN_ENV: "production",
      OPONN_SECRET: "cluster-test-secret-0123456789abcdef",
      NO_COLOR: "1",
    },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    try {
      child.kill("SIGKILL");
    } catch { /* already stopped */ }
    await child.status;
  };
  for (let attempt = 0; attempt < 300; attempt++) {
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.body?.cancel().then(() => r.ok),
      () => false,
    );
    if (ok) return { url, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error("deno serve --parallel did not become ready");
}

Deno.test({
  ...base,
  name: "`deno serve --parallel`: a vote through one worker reaches viewers on every worker",
  fn: () =>
    withDatabase(async (db) => {
      const server = await serveParallel({ DATABASE_URL: db.url, REDIS_URL: REDIS! }, 2);
      const redis = new Redis(REDIS!);
      const viewers: SseReader[] = [];
      try {
        const client = new Client(server.url);
        const id = await client.createBallot({ measure: "Every worker", options_raw: "x, y" });
        const workersWatching = async () =>
          (await redis.pubsub("NUMSUB", `oponn:ballot:${id}`))[1] as number;
        // The kernel spreads connections over the workers: open viewers until both hold some.
        while (viewers.length < 20 && await workersWatching() < 2) {
          const viewer = await SseReader.open(`${server.url}/ballots/${id}/live-results`);
          viewers.push(viewer);
          await viewer.waitFor((e) => e.event === "results");
        }
        assertEquals(await workersWatching(), 2, "each worker subscribed for its own viewers");
        await vote(client, id, "y");
        for (const viewer of viewers) {
          const event = await viewer.waitFor(
            (e) => e.event === "results" && e.data.includes('data-total="1"'),
            1000,
          );
          assertEquals(readCounts(event.data), { x: 0, y: 1 });
        }
      } finally {
        await Promise.all(viewers.map((v) => v.close()));
        redis.disconnect();
        await server.stop();
      }
    }),
});

Deno.test({
  name: "RedisTransport with Redis down: publish resolves and still reaches local viewers",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const logged: string[] = [];
    const transport = new RedisTransport(`redis://127.0.0.1:${freePort()}`, {
      log: (line) => logged.push(line),
    });
    try {
      const changed: string[] = [];
      transport.listen({
        changed: (id) => changed.push(id),
        ballotChanged: () => {},
        resync: () => {},
      });
      const started = performance.now();
      await transport.subscribe("ballot-a");
      for (let n = 1; n <= 3; n++) await transport.publish("ballot-a", n);
      assert(performance.now() - started < 5000, "bounded waits, no hang");
      assertEquals(changed, ["ballot-a", "ballot-a", "ballot-a"]);
      assertEquals(await transport.claim("oponn:test", 1000), false);
      assertEquals(await transport.ping(), false);
      assertEquals(logged.length, 1, `one line per outage: ${logged.join(" | ")}`);
    } finally {
      await transport.close();
    }
  },
});
