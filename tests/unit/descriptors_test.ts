/**
 * Caps from the descriptor limit: reading the limit, the budget and its split
 * among serve workers, the connection guard and the body deadline.
 */
import { ConnectionGuard, guardFetch } from "../../lib/limits/connections.ts";
import {
  deriveBudget,
  FALLBACK_DESCRIPTOR_LIMIT,
  isDescriptorExhaustion,
  MAX_STREAMS_PER_PROCESS,
  openDescriptors,
  parseOpenFilesLimit,
  readDescriptorLimit,
  serveWorkers,
} from "../../lib/limits/descriptors.ts";
import { streamCapsFor } from "../../lib/limits/streams.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_support/assert.ts";

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 4096                 files
Max locked memory         8388608              8388608              bytes
`;

Deno.test("the soft open-files limit is read from /proc/self/limits text", () => {
  assertEquals(parseOpenFilesLimit(LIMITS), 1024);
  assert(parseOpenFilesLimit(LIMITS.replace(/1024 {17}/, "unlimited        "))! > 100_000);
  assertEquals(parseOpenFilesLimit("Max cpu time unlimited unlimited seconds\n"), undefined);
  assertEquals(parseOpenFilesLimit(LIMITS.replace("1024", "0")), undefined);
});

Deno.test("an unreadable limit falls back to the usual default", () => {
  assertEquals(readDescriptorLimit(() => LIMITS), { limit: 1024, source: "/proc/self/limits" });
  const fallback = readDescriptorLimit(() => {
    throw new Deno.errors.NotFound("no /proc");
  });
  assertEquals(fallback, { limit: FALLBACK_DESCRIPTOR_LIMIT, source: "fallback" });
  assertEquals(readDescriptorLimit(() => "garbage").source, "fallback");
  // On this machine the real file is there and agrees with itself.
  assertEquals(readDescriptorLimit().source, "/proc/self/limits");
});

Deno.test("ulimit -n 1024, one worker: 154 kept back, 870 connections, 652 of them streams", () => {
  const budget = deriveBudget(1024, 1);
  assertEquals(budget.reserved, 154);
  assertEquals(budget.connections, 870);
  assertEquals(budget.streams, 652);
  assertEquals(budget.perWorker, { connections: 870, streams: 652 });
  assertEquals(budget.ceiling, 1024 - 77);
  assert(budget.streams < budget.connections && budget.ceiling < budget.limit);
});

Deno.test("workers share the process's budget: their caps add up to no more than it", () => {
  for (const limit of [256, 1024, 4096, 65536]) {
    for (const workers of [1, 2, 3, 8]) {
      const budget = deriveBudget(limit, workers);
      assert(budget.perWorker.streams * workers <= budget.streams, `${limit}/${workers} streams`);
      assert(
        budget.perWorker.connections * workers <= budget.connections,
        `${limit}/${workers} connections`,
      );
      assert(budget.connections + budget.reserved <= limit, `${limit}/${workers} within the limit`);
      assert(budget.reserved >= 64, `${limit}/${workers} keeps at least 64 back`);
    }
  }
  assertEquals(deriveBudget(1024, 2).perWorker, { connections: 435, streams: 326 });
});

Deno.test("a large limit: streams stop at the memory cap, connections do not", () => {
  const budget = deriveBudget(1_048_576, 2);
  assertEquals(budget.streams, MAX_STREAMS_PER_PROCESS);
  assertEquals(budget.perWorker.streams, MAX_STREAMS_PER_PROCESS / 2);
  assert(budget.connections > 800_000);
});

Deno.test("a tiny limit still leaves every worker something", () => {
  const budget = deriveBudget(16, 2);
  assert(budget.perWorker.connections >= 1 && budget.perWorker.streams >= 1);
  assert(budget.reserved < 16);
});

Deno.test("stream caps per worker: the process's share, and the address cap split alike", () => {
  assertEquals(streamCapsFor(deriveBudget(1024, 1)), { perAddress: 1000, perProcess: 652 });
  assertEquals(streamCapsFor(deriveBudget(1024, 2)), { perAddress: 500, perProcess: 326 });
  assertEquals(streamCapsFor(deriveBudget(1024, 1), { perAddress: false }).perAddress, Infinity);
});

Deno.test("workers: deno run and plain deno serve run one; --parallel runs DENO_JOBS or one per CPU", () => {
  const run = ["deno", "run", "-A", "main.ts"];
  const serve = ["deno", "serve", "-A", "--port", "8000", "main.ts"];
  const parallel = ["deno", "serve", "--parallel", "-A", "--host", "0.0.0.0", "main.ts"];
  assertEquals(serveWorkers(run, "4", 8), 1);
  assertEquals(serveWorkers(serve, "4", 8), 1);
  assertEquals(serveWorkers(parallel, undefined, 8), 8);
  assertEquals(serveWorkers(parallel, "3", 8), 3);
  assertEquals(serveWorkers(parallel, "zero", 2), 2);
  // A flag after the script is the script's own.
  assertEquals(serveWorkers([...serve, "--parallel"], undefined, 8), 1);
  assertEquals(serveWorkers([], undefined, 8), 1);
});

Deno.test("the process's open descriptors: counted, and a new one counts", () => {
  const before = openDescriptors();
  assert(before !== undefined && before > 2, `counted ${before}`);
  const file = Deno.openSync("/dev/null");
  try {
    assertEquals(openDescriptors(), before + 1);
  } finally {
    file.close();
  }
});

Deno.test("EMFILE from Deno's serve loop is recognised; other errors are not", () => {
  assert(isDescriptorExhaustion(new Deno.errors.Http("Error: Too many open files (os error 24)")));
  assert(
    isDescriptorExhaustion(new Deno.errors.Http("Too many open files in system (os error 23)")),
  );
  assert(
    !isDescriptorExhaustion(new Deno.errors.Http("connection closed before message completed")),
  );
  assert(!isDescriptorExhaustion(new Error("Too many open files (os error 24)")));
  assert(!isDescriptorExhaustion("Too many open files (os error 24)"));
});

function guard(
  options: { perWorker?: number; ceiling?: number; streams?: number; countCostMs?: number } = {},
) {
  let now = 0;
  let descriptors = 10;
  let samples = 0;
  let streams = options.streams ?? 0;
  const connections = new ConnectionGuard({
    perWorker: options.perWorker ?? 3,
    ceiling: options.ceiling ?? 100,
    openStreams: () => streams,
    countDescriptors: () => {
      samples++;
      now += options.countCostMs ?? 0;
      return descriptors;
    },
    sampleEveryMs: 100,
    now: () => now,
  });
  return {
    connections,
    advance: (ms: number) => (now += ms),
    setDescriptors: (n: number) => (descriptors = n),
    setStreams: (n: number) => (streams = n),
    samples: () => samples,
  };
}

Deno.test("the connection guard counts requests being answered plus open streams", () => {
  const { connections, setStreams } = guard({ perWorker: 3 });
  const first = connections.enter();
  const second = connections.enter();
  assertEquals(typeof first, "function");
  assertEquals(typeof second, "function");
  setStreams(1);
  assertEquals(connections.enter(), "connections");
  (first as () => void)();
  (first as () => void)(); // twice is once
  assertEquals(connections.inFlight, 1);
  assertEquals(typeof connections.enter(), "function");
  assertEquals(connections.enter(), "connections");
});

Deno.test("the connection guard refuses near the descriptor ceiling, sampling at most every 100 ms", () => {
  const { connections, advance, setDescriptors, samples } = guard({ perWorker: 1000, ceiling: 50 });
  for (let i = 0; i < 20; i++) (connections.enter() as () => void)();
  assertEquals(samples(), 1, "one sample for 20 requests within 100 ms");
  setDescriptors(50);
  assertEquals(typeof connections.enter(), "function", "the old sample still holds");
  advance(100);
  assertEquals(connections.enter(), "descriptors");
  setDescriptors(49);
  advance(100);
  assertEquals(typeof connections.enter(), "function");
  assertEquals(samples(), 3);
});

/** Part of a body, then nothing until the client goes away. */
function halfSentBody(): { body: ReadableStream<Uint8Array>; disconnect(): void } {
  let source!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      source = controller;
      controller.enqueue(new TextEncoder().encode("option=Yes&"));
    },
  });
  return { body, disconnect: () => source.error(new Error("connection closed")) };
}

Deno.test("guarded fetch: past a cap a 503 with Retry-After, a message and Connection: close; probes pass", async () => {
  const { connections, setStreams } = guard({ perWorker: 2 });
  const { fetch } = guardFetch(() => new Response("ok"), {
    guard: connections,
    bodyTimeoutMs: 1_000,
  });
  setStreams(2);
  const refused = await fetch(new Request("http://oponn.test/vote/abc"));
  assertEquals(refused.status, 503);
  assertMatch(refused.headers.get("retry-after") ?? "", /^\d+$/);
  assertEquals(refused.headers.get("connection"), "close");
  assertStringIncludes(
    await refused.text(),
    "This server is holding as many connections as it can",
  );
  for (const path of ["/healthz", "/readyz", "/healthz?x=1"]) {
    assertEquals((await fetch(new Request(`http://oponn.test${path}`))).status, 200, path);
  }
  assertEquals((await fetch(new Request("http://oponn.test/healthzz"))).status, 503);
});

Deno.test("guarded fetch: every answered request gives its place back, with or without a body, answered or thrown", async () => {
  const { connections } = guard({ perWorker: 2 });
  const { fetch, close } = guardFetch(async (request) => {
    const text = request.body ? await request.text() : "";
    if (text === "throw") throw new Error("handler failed");
    return new Response(`ok ${text}`);
  }, { guard: connections, bodyTimeoutMs: 1_000 });
  try {
    for (let i = 0; i < 5; i++) {
      assertEquals(await (await fetch(new Request("http://oponn.test/"))).text(), "ok ");
      const post = new Request("http://oponn.test/vote/abc", { method: "POST", body: "x" });
      assertEquals(await (await fetch(post)).text(), "ok x");
      const failing = new Request("http://oponn.test/vote/abc", { method: "POST", body: "throw" });
      const thrown = await fetch(failing).then(() => null, (error: Error) => error.message);
      assertEquals(thrown, "handler failed");
    }
    assertEquals(connections.inFlight, 0);
  } finally {
    close();
  }
});

Deno.test({
  name:
    "guarded fetch: a body still arriving at the deadline is answered 408; the request counts until its handler ends",
  sanitizeOps: true,
  sanitizeResources: true,
}, async () => {
  const { connections } = guard({ perWorker: 10 });
  let finish!: () => void;
  const handlerDone = new Promise<void>((resolve) => (finish = resolve));
  const { fetch, close } = guardFetch(async (request) => {
    try {
      await request.arrayBuffer();
      return new Response("read");
    } finally {
      finish();
    }
  }, { guard: connections, bodyTimeoutMs: 200 });
  const client = halfSentBody();
  const started = performance.now();
  const response = await fetch(
    new Request("http://oponn.test/vote/abc", { method: "POST", body: client.body }),
  );
  const tookMs = performance.now() - started;
  assertEquals(response.status, 408);
  assertStringIncludes(await response.text(), "did not complete within");
  // Swept every quarter of the deadline: answered between 200 and 250 ms.
  assert(tookMs >= 195 && tookMs < 400, `answered after ${tookMs} ms`);
  assertEquals(connections.inFlight, 1, "the handler still waits for its body");
  client.disconnect();
  await handlerDone;
  await new Promise((resolve) => setTimeout(resolve, 0));
  assertEquals(connections.inFlight, 0);
  close();
});

Deno.test({
  name: "guarded fetch: a body that arrives in time is answered by the handler; no timer is left",
  sanitizeOps: true,
  sanitizeResources: true,
}, async () => {
  const { connections } = guard();
  const { fetch } = guardFetch(async (request) => new Response(await request.text()), {
    guard: connections,
    bodyTimeoutMs: 200,
  });
  const response = await fetch(
    new Request("http://oponn.test/vote/abc", { method: "POST", body: "option=Yes" }),
  );
  assertEquals(await response.text(), "option=Yes");
  assertEquals(connections.inFlight, 0);
  // The sweep stops by itself once nothing waits.
  await new Promise((resolve) => setTimeout(resolve, 120));
});

Deno.test("a slow descriptor count (a kernel without the fast stat) is read less often", () => {
  const { connections, advance, samples } = guard({ perWorker: 1000, countCostMs: 5 });
  (connections.enter() as () => void)();
  advance(400);
  (connections.enter() as () => void)();
  assertEquals(samples(), 1, "5 ms to count: not again within 500 ms");
  advance(100);
  (connections.enter() as () => void)();
  assertEquals(samples(), 2);
});
