import { computeTally, formatShare } from "../../lib/results/tally.ts";
import { assertEquals } from "../_support/assert.ts";

Deno.test("computeTally() totals votes and gives each option its share", () => {
  const tally = computeTally([
    { label: "a", votes: 2, writeIn: false },
    { label: "b", votes: 1, writeIn: false },
    { label: "c", votes: 0, writeIn: true },
  ]);
  assertEquals(tally.total, 3);
  assertEquals(tally.lines.map((line) => line.share), [66.7, 33.3, 0]);
});

Deno.test("computeTally() of no votes gives 0% shares, not NaN", () => {
  const tally = computeTally([{ label: "a", votes: 0, writeIn: false }]);
  assertEquals(tally.total, 0);
  assertEquals(tally.lines[0].share, 0);
});

Deno.test("formatShare() prints one decimal", () => {
  assertEquals(formatShare(66.7), "66.7%");
  assertEquals(formatShare(100), "100.0%");
});
