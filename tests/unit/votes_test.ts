import type { Ballot } from "../../lib/ballots/rules.ts";
import { validateVote, WRITE_IN } from "../../lib/votes/rules.ts";
import { assertEquals } from "../_support/assert.ts";

const NOW = new Date("2026-11-28T12:00:00Z");
// Only what the vote rules read; the settings of SPEC section 6 do not matter here.
const ballot = {
  id: "AAAAAAAAAAAAAAAA",
  measure: "Lunch?",
  options: ["pizza", "sushi"],
  allowWriteIn: true,
  startsAt: new Date("2026-11-28T11:00:00Z"),
  endsAt: new Date("2026-11-28T13:00:00Z"),
  createdAt: new Date("2026-11-28T11:00:00Z"),
} as Ballot;

Deno.test("validateVote() accepts a listed option", () => {
  assertEquals(validateVote(ballot, { option: "sushi", write_in_value: "" }, NOW), {
    label: "sushi",
    key: "sushi",
    writeIn: false,
  });
});

Deno.test("validateVote() refuses with the messages of the spec", () => {
  const vote = (option: string, write_in_value = "", b = ballot, now = NOW) =>
    validateVote(b, { option, write_in_value }, now);
  assertEquals(vote("tacos"), {
    kind: "invalid",
    field: "option",
    message: "Invalid option for this ballot.",
  });
  assertEquals(vote(""), {
    kind: "invalid",
    field: "option",
    message: "Invalid option for this ballot.",
  });
  assertEquals(vote(WRITE_IN, "  "), {
    kind: "invalid",
    field: "write_in_value",
    message: "Write-in value required: type your option.",
  });
  assertEquals(vote(WRITE_IN, "<b></b>"), {
    kind: "invalid",
    field: "write_in_value",
    message: "Write-in value required: type your option.",
  });
  assertEquals(vote(WRITE_IN, "x".repeat(65)), {
    kind: "invalid",
    field: "write_in_value",
    message: "The write-in can have at most 64 characters.",
  });
  assertEquals(vote(WRITE_IN, `<b>${"x".repeat(5_000)}</b>`), {
    kind: "invalid",
    field: "write_in_value",
    message: "The write-in can have at most 64 characters.",
  });
  assertEquals(vote("pizza "), {
    kind: "invalid",
    field: "option",
    message: "Invalid option for this ballot.",
  });
  assertEquals(vote(WRITE_IN, "tacos", { ...ballot, allowWriteIn: false }), {
    kind: "invalid",
    field: "option",
    message: "Write-in votes are not allowed for this ballot.",
  });
  assertEquals(vote("pizza", "", ballot, new Date("2026-11-28T10:00:00Z")), {
    kind: "closed",
    field: "option",
    message: "Voting has not started for this ballot.",
  });
  assertEquals(vote("pizza", "", ballot, new Date("2026-11-28T13:00:00Z")), {
    kind: "closed",
    field: "option",
    message: "Voting has ended for this ballot.",
  });
});

Deno.test("validateVote() counts a write-in naming a listed option (by key) as that option", () => {
  const writeIn = (value: string) =>
    validateVote(ballot, { option: WRITE_IN, write_in_value: value }, NOW);
  const pizza = { label: "pizza", key: "pizza", writeIn: false };
  assertEquals(writeIn(" pizza "), pizza);
  assertEquals(writeIn("PIZZA"), pizza);
  assertEquals(writeIn("Ｐｉｚｚａ!"), pizza);
  assertEquals(writeIn("piz\u200Bza"), pizza);
  assertEquals(writeIn("<i>tacos</i>"), { label: "tacos", key: "tacos", writeIn: true });
});

Deno.test("validateVote() gives write-ins that differ in case, spacing or punctuation one key", () => {
  const writeIn = (value: string) =>
    validateVote(ballot, { option: WRITE_IN, write_in_value: value }, NOW);
  assertEquals(writeIn("  TACOS! "), { label: "TACOS!", key: "tacos", writeIn: true });
  assertEquals(writeIn("tacos"), { label: "tacos", key: "tacos", writeIn: true });
  assertEquals(writeIn("Ta\u200Bcos"), { label: "Tacos", key: "tacos", writeIn: true });
  assertEquals(writeIn("taco\u202Ebell"), { label: "tacobell", key: "tacobell", writeIn: true });
});
