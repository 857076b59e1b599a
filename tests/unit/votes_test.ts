import type { Ballot } from "../../lib/ballots/rules.ts";
import { cleanWriteIn, validateVote, WRITE_IN } from "../../lib/votes/rules.ts";
import { assertEquals } from "../_support/assert.ts";

const NOW = new Date("2026-11-28T12:00:00Z");
const ballot: Ballot = {
  id: "AAAAAAAAAAAAAAAA",
  measure: "Lunch?",
  options: ["pizza", "sushi"],
  allowWriteIn: true,
  startsAt: new Date("2026-11-28T11:00:00Z"),
  endsAt: new Date("2026-11-28T13:00:00Z"),
  createdAt: new Date("2026-11-28T11:00:00Z"),
};

Deno.test("validateVote() accepts a listed option", () => {
  assertEquals(validateVote(ballot, { option: "sushi", write_in_value: "" }, NOW), {
    label: "sushi",
    writeIn: false,
  });
});

Deno.test("validateVote() refuses with the messages of the spec", () => {
  const vote = (option: string, write_in_value = "", b = ballot, now = NOW) =>
    validateVote(b, { option, write_in_value }, now);
  assertEquals(vote("tacos"), {
    kind: "invalid",
    field: "option",
    message: "Invalid option for this ballot",
  });
  assertEquals(vote(""), {
    kind: "invalid",
    field: "option",
    message: "Invalid option for this ballot",
  });
  assertEquals(vote(WRITE_IN, "  "), {
    kind: "invalid",
    field: "write_in_value",
    message: "Write-in value required",
  });
  assertEquals(vote(WRITE_IN, "<b></b>"), {
    kind: "invalid",
    field: "write_in_value",
    message: "Write-in value required",
  });
  assertEquals(vote(WRITE_IN, "x".repeat(65)), {
    kind: "invalid",
    field: "write_in_value",
    message: "at most 64 characters",
  });
  assertEquals(vote(WRITE_IN, "tacos", { ...ballot, allowWriteIn: false }), {
    kind: "invalid",
    field: "option",
    message: "Write-in votes are not allowed for this ballot",
  });
  assertEquals(vote("pizza", "", ballot, new Date("2026-11-28T10:00:00Z")), {
    kind: "closed",
    field: "option",
    message: "Voting has not started for this ballot",
  });
  assertEquals(vote("pizza", "", ballot, new Date("2026-11-28T13:00:00Z")), {
    kind: "closed",
    field: "option",
    message: "Voting has ended for this ballot",
  });
});

Deno.test("validateVote() counts a write-in naming a listed option as that option", () => {
  assertEquals(validateVote(ballot, { option: WRITE_IN, write_in_value: " pizza " }, NOW), {
    label: "pizza",
    writeIn: false,
  });
  assertEquals(validateVote(ballot, { option: WRITE_IN, write_in_value: "<i>tacos</i>" }, NOW), {
    label: "tacos",
    writeIn: true,
  });
});

Deno.test("cleanWriteIn() strips tags and control characters", () => {
  assertEquals(cleanWriteIn("<script>alert(1)</script>tacos"), "alert(1)tacos");
  assertEquals(cleanWriteIn("<img src=x onerror=alert(1)>"), "");
  assertEquals(cleanWriteIn("ta\u0000cos\n"), "tacos");
  assertEquals(cleanWriteIn("a < b"), "a < b");
});
