import type { MetricsSnapshot } from "../../lib/ops/metrics.ts";
import { WorkerMetrics } from "../../lib/ops/worker_metrics.ts";
import { assert, assertEquals } from "../_support/assert.ts";

function worker(votes: number, viewers: number): MetricsSnapshot {
  return { counters: { votes_accepted_total: votes }, gauges: { sse_viewers: viewers } };
}

Deno.test("WorkerMetrics: a scrape reaching one worker answers with every worker's figures summed", async () => {
  const channel = `worker-metrics-test-${crypto.randomUUID()}`;
  const workers = [worker(5, 1), worker(7, 0), worker(30, 12)].map((figures) =>
    new WorkerMetrics(3, () => figures, 1_000, channel)
  );
  try {
    for (const asked of workers) {
      const started = performance.now();
      const answer = await asked.collect();
      assertEquals(answer.snapshot, {
        counters: { votes_accepted_total: 42 },
        gauges: { sse_viewers: 13 },
      });
      assertEquals([answer.workers, answer.reporting], [3, 3]);
      assert(performance.now() - started < 500, "answered once all had replied, not at the wait");
    }
  } finally {
    workers.forEach((w) => w.close());
  }
});

Deno.test("WorkerMetrics: a worker that does not answer in time is left out, and the answer says so", async () => {
  const channel = `worker-metrics-test-${crypto.randomUUID()}`;
  // Three workers expected, two present (the third exiting, say).
  const workers = [worker(5, 1), worker(7, 2)].map((figures) =>
    new WorkerMetrics(3, () => figures, 100, channel)
  );
  try {
    const answer = await workers[0].collect();
    assertEquals(answer.snapshot.counters, { votes_accepted_total: 12 });
    assertEquals([answer.workers, answer.reporting], [3, 2]);
  } finally {
    workers.forEach((w) => w.close());
  }
});

Deno.test("WorkerMetrics: one worker answers alone, without asking", async () => {
  const only = new WorkerMetrics(
    1,
    () => worker(3, 4),
    1_000,
    `worker-metrics-test-${crypto.randomUUID()}`,
  );
  try {
    const started = performance.now();
    const answer = await only.collect();
    assertEquals(answer.snapshot.counters, { votes_accepted_total: 3 });
    assertEquals([answer.workers, answer.reporting], [1, 1]);
    assert(performance.now() - started < 50);
  } finally {
    only.close();
  }
});
