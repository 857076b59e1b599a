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

Deno.test("computeTally() keeps the collapsed write-ins apart, in the total and with their share", () => {
  const tally = computeTally([
    { label: "a", votes: 5, writeIn: false },
    { label: "tacos", votes: 3, writeIn: true },
    { label: "", votes: 2, writeIn: true, collapsed: 190 },
  ]);
  assertEquals(tally.total, 10);
  assertEquals(tally.lines.map((line) => [line.label, line.share]), [["a", 50], ["tacos", 30]]);
  assertEquals(tally.more, { writeIns: 190, votes: 2, share: 20 });
  assertEquals(computeTally([{ label: "a", votes: 1, writeIn: false }]).more, null);
});
