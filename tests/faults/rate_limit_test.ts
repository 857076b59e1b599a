/**
 * Abuse limits: token buckets on POST /create and POST /vote (in memory and
 * shared through Redis), the live-stream caps, and the slow-viewer drop.
 */
import {
  DEFAULT_LIMITS,
  MemoryBuckets,
  RateLimiter,
  type RequestLimits,
} from "../../lib/limits/rate_limit.ts";
import { StreamLimiter } from "../../lib/limits/streams.ts";
import { RedisBuckets } from "../../lib/limits/redis_buckets.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_support/assert.ts";
import { Client, readCounts } from "../_support/client.ts";
import { faultServers, report, startQuickServer } from "../_support/faults.ts";
import { startTestServer } from "../_support/server.ts";
import { TcpProxy } from "../_support/tcp_proxy.ts";

const SMALL: Record<"vote" | "create", RequestLimits> = {
  vote: { session: { capacity: 3, perSecond: 0.01 }, address: { capacity: 8, perSecond: 0.01 } },
  create: { session: { capacity: 2, perSecond: 0.01 }, address: { capacity: 50, perSecond: 1 } },
};

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^oponn_${name} (\\d+)$`, "m").exec(text)?.[1] ?? NaN);
}

Deno.test("MemoryBuckets: a burst of `capacity`, then one per refill", async () => {
  let now = 0;
  const buckets = new MemoryBuckets({ now: () => now });
  const small = { capacity: 2, perSecond: 0.5 };
  const take = () => buckets.take([{ key: "s", bucket: small }]);
  assertEquals(await take(), { allowed: true, retryAfterS: 0 });
  assertEquals(await take(), { allowed: true, retryAfterS: 0 });
  assertEquals(await take(), { allowed: false, retryAfterS: 2 });
  now = 1_000;
  assertEquals(await take(), { allowed: false, retryAfterS: 1 });
  now = 2_000;
  assertEquals(await take(), { allowed: true, retryAfterS: 0 });
  assertEquals(await take(), { allowed: false, retryAfterS: 2 });
});

Deno.test("MemoryBuckets: a refused request takes from none of its buckets", async () => {
  // The clock never moves: no refill can put back a token a refusal took.
  const buckets = new MemoryBuckets({ now: () => 0 });
  const small = { capacity: 2, perSecond: 0.5 };
  const big = { capacity: 10, perSecond: 10 };
  const both = [{ key: "s", bucket: small }, { key: "a", bucket: big }];
  assertEquals(await buckets.take(both), { allowed: true, retryAfterS: 0 });
  assertEquals(await buckets.take(both), { allowed: true, retryAfterS: 0 });
  for (let i = 0; i < 5; i++) {
    assertEquals(await buckets.take(both), { allowed: false, retryAfterS: 2 });
  }
  // Two tokens went from the address bucket, one per allowed request: 8 are left.
  let allowed = 0;
  for (let i = 0; i < 20; i++) {
    if ((await buckets.take([{ key: "a", bucket: big }])).allowed) allowed++;
  }
  assertEquals(allowed, 8);
});

Deno.test("the default vote limits let 500 browsers behind one address vote within a minute", async () => {
  let now = 0;
  const limiter = new RateLimiter({ store: new MemoryBuckets({ now: () => now }) });
  let refused = 0;
  for (let i = 0; i < 500; i++) {
    now = Math.floor(i * 60_000 / 500 / 4); // all 500 within 15 s
    const decision = await limiter.check("vote", {
      session: `browser-${i}`,
      address: "203.0.113.7",
    });
    if (!decision.allowed) refused++;
  }
  assertEquals(refused, 0);
  // One browser hammering is stopped after its burst.
  let allowed = 0;
  for (let i = 0; i < 100; i++) {
    if ((await limiter.check("vote", { session: "bot", address: "198.51.100.1" })).allowed) {
      allowed++;
    }
  }
  assertEquals(allowed, DEFAULT_LIMITS.vote.session.capacity);
  report("rate-limit-defaults", {
    vote_session: DEFAULT_LIMITS.vote.session,
    vote_address: DEFAULT_LIMITS.vote.address,
    create_session: DEFAULT_LIMITS.create.session,
    create_address: DEFAULT_LIMITS.create.address,
    nat_500_refused: refused,
  });
});

Deno.test("StreamLimiter caps streams per address and per process, and frees them on release", () => {
  const limiter = new StreamLimiter({ perAddress: 2, perProcess: 3 });
  const a1 = limiter.open("a");
  const a2 = limiter.open("a");
  assertEquals(limiter.open("a"), "address");
  const b1 = limiter.open("b");
  assertEquals(limiter.open("c"), "process");
  assert(typeof a1 === "function" && typeof a2 === "function" && typeof b1 === "function");
  a1();
  a1();
  assertEquals(limiter.openStreams, 2);
  assert(typeof limiter.open("c") === "function");
});

Deno.test("POST /vote and /create answer 429 + Retry-After past the limits, counted, nothing written", async () => {
  const server = await startQuickServer({ OPONN_RATE_LIMIT: "on" }, {
    limits: { requests: SMALL },
  });
  try {
    const owner = new Client(server.url);
    const id = await owner.createBallot({ measure: "Limited", options_raw: "a, b" });

    const voter = new Client(server.url);
    await voter.open(`/vote/${id}`);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await voter.post(`/vote/${id}`, { option: "a" }, { htmx: i === 3 });
      statuses.push(response.status);
      if (i < 3) await response.body?.cancel();
      else {
        assertMatch(response.headers.get("retry-after") ?? "", /^\d+$/);
        const body = await response.text();
        assertStringIncludes(body, "too_many_requests");
        assertStringIncludes(body, "Try again in");
      }
    }
    assertEquals(statuses, [303, 303, 303, 429], "the fourth vote of one browser");
    const plain = await voter.post(`/vote/${id}`, { option: "b" });
    assertEquals(plain.status, 429);
    assertStringIncludes(await plain.text(), "<html");

    // Another browser from the same address still votes, until the address cap (8).
    const others = await Promise.all(Array.from({ length: 6 }, async () => {
      const client = new Client(server.url);
      await client.open(`/vote/${id}`);
      const response = await client.post(`/vote/${id}`, { option: "b" });
      await response.body?.cancel();
      return response.status;
    }));
    assertEquals(others.filter((status) => status === 303).length, 5, "8 per address: 3 + 5");
    assertEquals(others.filter((status) => status === 429).length, 1);

    const results = await (await owner.get(`/results/${id}`)).text();
    assertEquals(readCounts(results), { a: 3, b: 5 }, "refused votes were not written");
    assertEquals(await metric(server.url, "votes_rate_limited_total"), 3);

    // Ballots: 2 per browser (the owner already made one).
    const second = await owner.post("/create", { measure: "Two", options_raw: "a, b" });
    const third = await owner.post("/create", { measure: "Three", options_raw: "a, b" });
    await second.body?.cancel();
    assertEquals([second.status, third.status], [303, 429]);
    assertMatch(third.headers.get("retry-after") ?? "", /^\d+$/);
    await third.body?.cancel();
    assertEquals(await metric(server.url, "creates_rate_limited_total"), 1);
  } finally {
    await server.close();
  }
});

Deno.test("OPONN_RATE_LIMIT=off (the default outside production) limits nothing", async () => {
  const server = await startQuickServer({ OPONN_RATE_LIMIT: "off" }, {
    limits: { requests: SMALL },
  });
  try {
    const client = new Client(server.url);
    const id = await client.createBallot({ measure: "Unlimited", options_raw: "a, b" });
    for (let i = 0; i < 10; i++) {
      const response = await client.post(`/vote/${id}`, { option: "a" });
      await response.body?.cancel();
      assertEquals(response.status, 303);
    }
    assertEquals(await metric(server.url, "votes_rate_limited_total"), 0);
  } finally {
    await server.close();
  }
});

Deno.test("live streams past the per-address or per-process cap get a clear refusal", async () => {
  // Loopback is listed as the proxy, so X-Forwarded-For stands for other addresses.
  const server = await startQuickServer({ OPONN_TRUSTED_PROXIES: "127.0.0.1" }, {
    limits: { streams: { perAddress: 2, perProcess: 3 } },
  });
  const open: Response[] = [];
  try {
    const client = new Client(server.url);
    const id = await client.createBallot({ measure: "Crowded", options_raw: "a, b" });
    const url = `${server.url}/ballots/${id}/live-results`;
    for (let i = 0; i < 2; i++) open.push(await fetch(url));
    const third = await fetch(url);
    assertEquals(third.status, 429);
    assertStringIncludes(await third.text(), "Too many live connections");
    // Another address (believed from the listed proxy through X-Forwarded-For).
    open.push(await fetch(url, { headers: { "x-forwarded-for": "198.51.100.7" } }));
    const full = await fetch(url, { headers: { "x-forwarded-for": "198.51.100.8" } });
    assertEquals(full.status, 503);
    assertStringIncludes(await full.text(), "as many live connections as it can");
    assertEquals(open.map((response) => response.status), [200, 200, 200]);
    await open.shift()!.body!.cancel();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const again = await fetch(url);
    assertEquals(again.status, 200, "a closed stream frees its place");
    open.push(again);
    assertEquals(await metric(server.url, "sse_refused_total"), 2);
  } finally {
    await Promise.all(open.map((response) => response.body?.cancel()));
    await server.close();
  }
});

Deno.test("a viewer that does not read is dropped once its backlog passes 256 KiB", async () => {
  const server = await startQuickServer({}, { live: { flushIntervalMs: 20 } });
  try {
    const client = new Client(server.url);
    // 100 options of 64 characters: each results event is tens of KiB.
    const options = Array.from({ length: 100 }, (_, i) => `${i}`.padStart(64, "x")).join(",");
    const id = await client.createBallot({ measure: "Big", options_raw: options });
    // In process, without a socket: nothing drains the stream unless we read it.
    const response = await server.oponn.fetch(
      new Request(`${server.url}/ballots/${id}/live-results`),
    );
    assertEquals(response.status, 200);
    const voter = new Client(server.url);
    await voter.open(`/vote/${id}`);
    let votes = 0;
    while ((await metric(server.url, "sse_dropped_slow_total")) === 0 && votes < 60) {
      const vote = await voter.post(`/vote/${id}`, { option: `${votes % 100}`.padStart(64, "x") });
      await vote.body?.cancel();
      votes++;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assertEquals(await metric(server.url, "sse_dropped_slow_total"), 1);
    assertEquals(server.oponn.deps.hub.viewersOf(id), 0, "the slow viewer is gone");
    report("slow-viewer", { votes_until_dropped: votes });
    await response.body?.cancel();
  } finally {
    await server.close();
  }
});

const servers = faultServers("rate_limit_test (redis)", { redis: true });

Deno.test({
  name:
    "RedisBuckets: one budget across processes, atomic under concurrency, in memory while Redis is away",
  ignore: !servers,
  async fn() {
    const { proxy, url } = TcpProxy.forUrl(servers!.redisUrl);
    const logs: string[] = [];
    const one = new RedisBuckets(url, { log: (line) => logs.push(line) });
    const two = new RedisBuckets(url, { log: (line) => logs.push(line) });
    try {
      const key = `test:${crypto.randomUUID()}`;
      const bucket = { capacity: 10, perSecond: 0.001 };
      assert(await one.connected() && await two.connected(), "connected to Redis");
      const decisions = await Promise.all(
        Array.from({ length: 30 }, (_, i) => (i % 2 ? one : two).take([{ key, bucket }])),
      );
      assertEquals(
        decisions.filter((d) => d.allowed).length,
        10,
        "exactly the capacity, across both",
      );
      const refused = decisions.find((d) => !d.allowed)!;
      assert(refused.retryAfterS >= 1, "a refusal says when to retry");

      // Several buckets in one call: all or none.
      const pairKey = `test:${crypto.randomUUID()}`;
      const tight = { capacity: 1, perSecond: 0.001 };
      assert((await one.take([{ key: pairKey, bucket: tight }])).allowed);
      const both = await two.take([{ key: `${pairKey}:other`, bucket }, {
        key: pairKey,
        bucket: tight,
      }]);
      assertEquals(both.allowed, false);
      // The refusal took nothing from the other bucket: its whole capacity is still there.
      const other = [{ key: `${pairKey}:other`, bucket }];
      const afterRefusal = await Promise.all(
        Array.from({ length: bucket.capacity + 1 }, () => one.take(other)),
      );
      assertEquals(afterRefusal.filter((d) => d.allowed).length, bucket.capacity);

      await proxy.cut();
      const during = await one.take([{ key, bucket }]);
      assert(
        during.allowed,
        "Redis away: the process decides alone, and lets an honest request in",
      );
      assert(logs.some((line) => line.includes("redis unavailable")), "the outage is logged once");
      proxy.pass();
    } finally {
      one.close();
      two.close();
      await proxy.close();
    }
  },
});

Deno.test({
  name: "with REDIS_URL the vote limit holds across two servers for one browser",
  ignore: !servers,
  async fn() {
    const env = { OPONN_RATE_LIMIT: "on", REDIS_URL: servers!.redisUrl };
    const a = await startQuickServer(env, { limits: { requests: SMALL } });
    const b = await startTestServer2(a.databaseUrl, env);
    try {
      const owner = new Client(a.url);
      const id = await owner.createBallot({ measure: "Shared", options_raw: "a, b" });
      const voter = new Client(a.url);
      await voter.open(`/vote/${id}`);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        // The same browser (cookie and token) alternating between the two processes.
        const target = i % 2 === 0 ? a.url : b.url;
        const response = await fetch(`${target}/vote/${id}`, {
          method: "POST",
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            cookie: voter.cookieHeader(),
            "x-csrf-token": voter.csrfToken,
          },
          body: "option=a",
          redirect: "manual",
        });
        await response.body?.cancel();
        statuses.push(response.status);
      }
      assertEquals(statuses, [303, 303, 303, 429]);
    } finally {
      await b.close();
      await a.close();
    }
  },
});

/** A second server on the same database as the first (Postgres), or skipped. */
async function startTestServer2(databaseUrl: string | undefined, env: Record<string, string>) {
  return await startTestServer(
    { ...env, DATABASE_URL: databaseUrl ?? "memory://" },
    { limits: { requests: SMALL } },
  );
}
