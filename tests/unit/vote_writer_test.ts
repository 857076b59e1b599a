import type { RecordOutcome, VoteToRecord } from "../../lib/stores/votes.ts";
import { VoteWriter } from "../../lib/votes/writer.ts";
import { assertEquals, assertRejects } from "../_support/assert.ts";

function vote(ballotId: string, label = "a"): VoteToRecord {
  return { ballotId, label, key: label, writeIn: false };
}

Deno.test("VoteWriter batches votes that arrive while a batch commits", async () => {
  const batches: number[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const writer = new VoteWriter(async (votes) => {
    batches.push(votes.length);
    if (batches.length === 1) await gate;
    return votes.map((): RecordOutcome => "recorded");
  }, { concurrency: 1, maxBatch: 100 });

  const first = writer.submit(vote("b1"));
  const rest = Array.from({ length: 9 }, () => writer.submit(vote("b1")));
  release();
  assertEquals(await first, "recorded");
  assertEquals(await Promise.all(rest), Array(9).fill("recorded"));
  assertEquals(batches, [1, 9]);
  assertEquals(writer.stats, { batches: 2, votes: 10 });
});

Deno.test("VoteWriter refuses a vote alone, not its batch", async () => {
  const writer = new VoteWriter(
    (votes) => Promise.resolve(votes.map((v) => v.ballotId === "closed" ? "ended" : "recorded")),
    { concurrency: 1, maxBatch: 100 },
  );
  const outcomes = await Promise.all([
    writer.submit(vote("open")),
    writer.submit(vote("closed")),
    writer.submit(vote("open")),
  ]);
  assertEquals(outcomes, ["recorded", "ended", "recorded"]);
});

Deno.test("VoteWriter rejects every vote of a batch whose transaction failed", async () => {
  const writer = new VoteWriter(() => Promise.reject(new Error("connection lost")), {
    concurrency: 1,
    maxBatch: 100,
  });
  await assertRejects(() => writer.submit(vote("b1")));
  assertEquals(writer.stats.votes, 0);
  await writer.drained();
});

Deno.test("VoteWriter announces each changed ballot once per committed batch", async () => {
  const announced: string[][] = [];
  const writer = new VoteWriter(
    (votes) => Promise.resolve(votes.map((): RecordOutcome => "recorded")),
    { concurrency: 1, maxBatch: 100, onCommitted: (ids) => announced.push([...ids]) },
  );
  await Promise.all([writer.submit(vote("x")), writer.submit(vote("x")), writer.submit(vote("y"))]);
  // The first vote commits alone; the two that queued behind it share the next batch.
  assertEquals(announced, [["x"], ["x", "y"]]);
});

Deno.test("VoteWriter fails votes past its deadline, committing or queued, and answers no one twice", async () => {
  let release!: () => void;
  const hung = new Promise<void>((resolve) => (release = resolve));
  const writer = new VoteWriter(async (votes) => {
    await hung;
    return votes.map((): RecordOutcome => "recorded");
  }, { concurrency: 1, maxBatch: 100, deadlineMs: 200 });
  const started = performance.now();
  const committing = writer.submit(vote("b1"));
  const queued = writer.submit(vote("b1"));
  for (const answer of [committing, queued]) {
    const error = await assertRejects(() => answer);
    assertEquals((error as Error).name, "StoreUnavailableError");
  }
  const waited = performance.now() - started;
  assertEquals(waited >= 200 && waited < 1_000, true, `answered after ${Math.round(waited)} ms`);
  // The database answers late: the committing vote still counts (its caller was answered
  // once, with the 503); the queued one never reached the database.
  release();
  await writer.drained();
  writer.close();
  assertEquals(writer.stats.votes, 1);
});
