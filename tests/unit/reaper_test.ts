import { BallotCache } from "../../lib/ballot_cache.ts";
import type { Ballot } from "../../lib/ballots.ts";
import { LiveHub, type LiveSnapshot } from "../../lib/live.ts";
import { InProcessTransport } from "../../lib/live_transport.ts";
import { reap } from "../../lib/reaper.ts";
import { assertEquals } from "../_support/assert.ts";

function ballot(id: string, endsAt: Date | null): Ballot {
  return {
    id,
    measure: id,
    options: ["a", "b"],
    allowWriteIn: false,
    startsAt: new Date(0),
    endsAt,
    createdAt: new Date(0),
  };
}

const snapshot: LiveSnapshot = {
  version: 0,
  results: "",
  statusKey: "active",
  status: "",
  cast: "",
  nextChangeAt: null,
};

Deno.test("reap() drops ended and idle ballots from the cache but keeps watched ones", async () => {
  const now = new Date();
  const anHourAgo = new Date(now.getTime() - 3_600_000);
  const cache = new BallotCache();
  const hub = new LiveHub({
    render: () => Promise.resolve(snapshot),
    transport: new InProcessTransport(),
  });
  cache.set(ballot("ended", anHourAgo));
  cache.set(ballot("watched-ended", anHourAgo));
  cache.set(ballot("open", null));
  const leave = await hub.join("watched-ended", { send: () => true, close: () => {} });

  assertEquals(reap({ hub, cache, now: () => now }), { liveStates: 0, cachedBallots: 1 });
  assertEquals(cache.get("ended"), undefined);
  assertEquals(cache.get("open")?.id, "open");
  assertEquals(cache.get("watched-ended")?.id, "watched-ended");

  leave!();
  const later = new Date(now.getTime() + 11 * 60_000);
  assertEquals(
    reap({ hub, cache, now: () => later }).cachedBallots,
    2,
    "idle and ended entries go",
  );
  assertEquals(cache.size, 0);
  assertEquals(hub.stats().ballots, 0);
  await hub.close();
});
