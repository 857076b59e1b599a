import { LiveHub, type LiveSnapshot, type Viewer } from "../../lib/live/hub.ts";
import { InProcessTransport } from "../../lib/live/transport.ts";
import { assert, assertEquals, assertStringIncludes } from "../_support/assert.ts";
import { paced } from "../_support/pace.ts";

class RecordingViewer implements Viewer {
  audience = "shown" as const;
  chunks: string[] = [];
  closed = false;
  send(chunk: Uint8Array): boolean {
    this.chunks.push(new TextDecoder().decode(chunk));
    return true;
  }
  close(): void {
    this.closed = true;
  }
  get text(): string {
    return this.chunks.join("");
  }
}

function fakeBallot() {
  let version = 0;
  let renders = 0;
  const render = (ballotId: string): Promise<LiveSnapshot | null> => {
    renders++;
    if (ballotId !== "b1") return Promise.resolve(null);
    return Promise.resolve({
      audiences: { shown: { version: String(version), results: `<p>votes ${version}</p>` } },
      statusKey: "active",
      status: "<span>voting open</span>",
      cast: "<button>cast_vote</button>",
      nextChangeAt: null,
    });
  };
  return {
    render,
    vote: () => ++version,
    get renders() {
      return renders;
    },
  };
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("LiveHub coalesces changes paced faster than its interval: one flush per interval", async () => {
  const ballot = fakeBallot();
  const transport = new InProcessTransport();
  // The default interval, 100 ms: SECURITY.md promises at most ~10 events/s per ballot.
  const hub = new LiveHub({ render: ballot.render, transport });
  const viewers = [new RecordingViewer(), new RecordingViewer(), new RecordingViewer()];
  const leaves = await Promise.all(viewers.map((viewer) => hub.join("b1", viewer)));
  assertEquals(ballot.renders, 1, "joining viewers share one render");

  // One change every 10 ms for 1 s: 100 changes, at most ~11 flushes of 100 ms.
  const start = performance.now();
  const changes = (await paced(10, 1_000, () => hub.publish("b1", ballot.vote()))).length;
  await tick(250);
  const elapsed = performance.now() - start;
  const most = Math.ceil(elapsed / 100) + 1;
  assertEquals(changes, 100);
  assert(
    ballot.renders - 1 <= most,
    `${changes} changes in ${Math.round(elapsed)} ms: ${ballot.renders} renders`,
  );
  for (const viewer of viewers) {
    assertStringIncludes(viewer.chunks.at(-1)!, "id: 100\nevent: results\ndata: <p>votes 100</p>");
    // The join's chunk, then one per flush: few, yet the viewer saw the count move meanwhile.
    const flushes = viewer.chunks.length - 1;
    assert(flushes <= most, `${flushes} flushes in ${Math.round(elapsed)} ms (at most ${most})`);
    assert(flushes >= 5, `only ${flushes} flushes: the viewer must see progress during the run`);
  }
  leaves.forEach((leave) => leave!());
  assertEquals(hub.stats().ballots, 0, "the last viewer leaving frees the ballot");
  assertEquals(transport.subscriptions(), 0);
  assertEquals(hub.stats().timers, 0);
  await hub.close();
});

Deno.test("LiveHub skips the results a resuming viewer already has", async () => {
  const ballot = fakeBallot();
  ballot.vote();
  const hub = new LiveHub({ render: ballot.render, transport: new InProcessTransport() });
  const fresh = new RecordingViewer();
  const resumed = new RecordingViewer();
  const stale = new RecordingViewer();
  const leaves = [
    await hub.join("b1", fresh),
    await hub.join("b1", resumed, "1"),
    await hub.join("b1", stale, "0"),
  ];
  assertStringIncludes(fresh.text, "event: results");
  assert(!resumed.text.includes("event: results"), "an up-to-date viewer gets no results event");
  assertStringIncludes(resumed.text, "event: status");
  assertStringIncludes(stale.text, "id: 1\nevent: results");
  leaves.forEach((leave) => leave!());
  await hub.close();
});

Deno.test("LiveHub refuses an unknown ballot and keeps no state for it", async () => {
  const hub = new LiveHub({ render: fakeBallot().render, transport: new InProcessTransport() });
  assertEquals(await hub.join("nope", new RecordingViewer()), null);
  assertEquals(hub.stats().ballots, 0);
  await hub.close();
});

Deno.test("LiveHub drops a viewer that cannot keep up", async () => {
  const ballot = fakeBallot();
  const hub = new LiveHub({
    render: ballot.render,
    transport: new InProcessTransport(),
    flushIntervalMs: 1,
  });
  let accept = true;
  const slow: Viewer & { closed: boolean } = {
    audience: "shown",
    closed: false,
    send: () => accept,
    close() {
      this.closed = true;
    },
  };
  await hub.join("b1", slow);
  accept = false;
  await hub.publish("b1", ballot.vote());
  await tick(30);
  assert(slow.closed);
  assertEquals(hub.stats().viewers, 0);
  await hub.close();
});

Deno.test("LiveHub writes a flush in slices: other work runs between them, every viewer gets each flush once, in order", async () => {
  const ballot = fakeBallot();
  const hub = new LiveHub({
    render: ballot.render,
    transport: new InProcessTransport(),
    flushIntervalMs: 10,
    sliceSize: 100,
  });
  const viewers = Array.from({ length: 1_000 }, () => new RecordingViewer());
  for (const viewer of viewers) await hub.join("b1", viewer);
  // A timer set as the flush begins stands for a vote waiting on the event loop.
  let otherWorkRan = false;
  let writtenBeforeOtherWork = -1;
  let writes = 0;
  for (const viewer of viewers) {
    const send = viewer.send.bind(viewer);
    viewer.send = (chunk) => {
      if (writes++ === 0) setTimeout(() => (otherWorkRan = true, writtenBeforeOtherWork = writes));
      return send(chunk);
    };
  }
  await hub.publish("b1", ballot.vote());
  await hub.publish("b1", ballot.vote());
  await tick(300);
  assert(otherWorkRan, "the timer ran");
  assert(
    writtenBeforeOtherWork <= 100,
    `a timer set at the first write waited for ${writtenBeforeOtherWork} writes`,
  );
  for (const viewer of viewers) {
    const ids = viewer.chunks.map((chunk) => /^id: (\d+)$/m.exec(chunk)?.[1]);
    assertEquals(ids.at(-1), "2", "the last flush reached every viewer");
    assertEquals(ids, [...ids].sort(), "flushes in order");
    assertEquals(new Set(ids).size, ids.length, "no flush twice");
  }
  await hub.close();
});

Deno.test("LiveHub tells other processes of a busy ballot's changes once per gap: the first at once, the rest at the gap's end", async () => {
  const ballot = fakeBallot();
  const transport = new InProcessTransport();
  const sent: { ballotId: string; at: number }[] = [];
  const publish = transport.publish.bind(transport);
  transport.publish = (ballotId: string) => {
    sent.push({ ballotId, at: performance.now() });
    return publish(ballotId);
  };
  const hub = new LiveHub({ render: ballot.render, transport, publishGapMs: 40 });
  const viewer = new RecordingViewer();
  await hub.join("b1", viewer);
  const start = performance.now();
  for (let i = 0; i < 20; i++) await hub.publish("b1", ballot.vote());
  assertEquals(sent.length, 1, "the first change goes out at once");
  assert(sent[0].at - start < 20);
  await tick(80);
  assertEquals(sent.length, 2, "the 19 others as one, at the gap's end");
  assert(sent[1].at - start >= 35, `the second after the gap (${sent[1].at - start} ms)`);
  await tick(300);
  assertStringIncludes(viewer.chunks.at(-1)!, "id: 20\n", "the viewer saw the last change");
  // A quiet ballot's change still goes out at once; one waiting at close goes out then.
  await hub.publish("b2", 1);
  assertEquals(sent.length, 3);
  await hub.publish("b2", 2);
  await hub.close();
  assertEquals(sent.map((message) => message.ballotId), ["b1", "b1", "b2", "b2"]);
});
