import { BallotCache } from "../../lib/ballots/cache.ts";
import type { Ballot } from "../../lib/ballots/rules.ts";
import { LiveHub, type LiveSnapshot } from "../../lib/live/hub.ts";
import { InProcessTransport } from "../../lib/live/transport.ts";
import { reap } from "../../lib/ops/reaper.ts";
import { assertEquals } from "../_support/assert.ts";

function ballot(id: string): Ballot {
  return {
    id,
    measure: id,
    options: ["a", "b"],
    allowWriteIn: false,
    startsAt: new Date(0),
    endsAt: null,
    createdAt: new Date(0),
    duplicateCheck: "none",
    listing: "listed",
    resultsVisibility: "always",
    publishedAt: null,
    ownerVoter: null,
    codesIssued: 0,
    kind: "single",
    maxChoices: null,
  };
}

const snapshot: LiveSnapshot = {
  audiences: { shown: { version: "0", results: "" } },
  statusKey: "active",
  status: "",
  cast: "",
  nextChangeAt: null,
};

Deno.test("reap() keeps only the cached ballots someone watches, then none once they leave", async () => {
  const cache = new BallotCache();
  const transport = new InProcessTransport();
  const hub = new LiveHub({ render: () => Promise.resolve(snapshot), transport });
  cache.set(ballot("unwatched"));
  cache.set(ballot("watched"));
  const leave = await hub.join("watched", { audience: "shown", send: () => true, close: () => {} });

  assertEquals(reap({ hub, cache }), { liveStates: 0, cachedBallots: 1 });
  assertEquals(cache.get("unwatched"), undefined);
  assertEquals(cache.get("watched")?.id, "watched");

  leave!();
  assertEquals(reap({ hub, cache }).cachedBallots, 1);
  assertEquals(cache.size, 0);
  assertEquals(hub.stats(), { viewers: 0, ballots: 0, timers: 0, flushes: 0 });
  assertEquals(transport.subscriptions(), 0);
  await hub.close();
});
