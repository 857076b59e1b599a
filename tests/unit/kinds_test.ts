import { assertEquals } from "../_support/assert.ts";
import type { Ballot } from "../../lib/ballots/types.ts";
import { checkKindSettings, kindOf } from "../../lib/kinds/index.ts";
import { validateCast, WRITE_IN } from "../../lib/votes/rules.ts";

const NOW = new Date("2026-11-29T12:00:00Z");

function ballot(kind: Ballot["kind"], extra: Partial<Ballot> = {}): Ballot {
  return {
    id: "KindsKindsKinds_",
    measure: "Kinds",
    options: ["Alpha", "beta", "Gamma"],
    allowWriteIn: true,
    startsAt: new Date("2026-11-29T11:00:00Z"),
    endsAt: null,
    createdAt: new Date("2026-11-29T11:00:00Z"),
    duplicateCheck: "none",
    listing: "listed",
    resultsVisibility: "always",
    publishedAt: null,
    ownerVoter: null,
    codesIssued: 0,
    kind,
    maxChoices: null,
    ...extra,
  };
}

const fieldsOf = (form: Record<string, string | string[]>) => (name: string) => {
  const value = form[name];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
};

Deno.test("approval: each option once, a write-in naming an option merges into it, the cap counts it", () => {
  const b = ballot("approval", { maxChoices: 2 });
  const form = kindOf(b).readForm(
    b,
    fieldsOf({ option: ["beta", WRITE_IN, "beta"], write_in_value: "ALPHA" }),
  );
  assertEquals(validateCast(b, form, NOW), {
    options: [
      { label: "Alpha", key: "alpha", writeIn: false },
      { label: "beta", key: "beta", writeIn: false },
    ],
    summary: "Alpha, beta",
  });
  const three = kindOf(b).readForm(
    b,
    fieldsOf({ option: ["beta", "Gamma", WRITE_IN], write_in_value: "delta" }),
  );
  assertEquals(validateCast(b, three, NOW), {
    kind: "invalid",
    field: "option",
    message: "Choose at most 2 options.",
  });
});

Deno.test("approval: results are shares of voters", () => {
  const b = ballot("approval");
  const tally = kindOf(b).result(b, {
    rows: [{ label: "Alpha", votes: 3, writeIn: false }, {
      label: "beta",
      votes: 1,
      writeIn: false,
    }],
    rankings: [],
    voters: 4,
  });
  assertEquals(tally.total, 4);
  assertEquals(tally.lines.map((line) => line.share), [75, 25]);
});

Deno.test("ranked: `ranking` wins over the selects; selects order by rank with gaps; messages", () => {
  const b = ballot("ranked");
  // deno-lint-ignore no-explicit-any
  const read = (form: Record<string, string | string[]>): any =>
    validateCast(b, kindOf(b).readForm(b, fieldsOf(form)), NOW);
  assertEquals(read({ ranking: ["Gamma", "alpha"], rank_0: "1" }), {
    options: [],
    ranking: { labels: ["Gamma", "Alpha"], keys: ["gamma", "alpha"] },
    summary: "Gamma > Alpha",
  });
  assertEquals(read({ rank_0: "5", rank_1: "" }), {
    kind: "invalid",
    field: "ranking",
    message: "Each rank must be a number from 1 to 3.",
  });
  assertEquals(read({ rank_0: "3", rank_2: "1" }).summary, "Gamma > Alpha");
  assertEquals(read({ rank_0: "2", rank_2: "2" }).message, "Each rank can be used once.");
  assertEquals(read({ ranking: ["beta", "BETA"] }).message, "Each option can be ranked once.");
  assertEquals(read({}).message, "Rank at least one option.");
});

Deno.test("ranked: results map ranking keys to labels and run the runoff", () => {
  const b = ballot("ranked");
  const tally = kindOf(b).result(b, {
    rows: [],
    rankings: [
      { ranking: ["alpha"], count: 2 },
      { ranking: ["beta", "alpha"], count: 2 },
      { ranking: ["gamma", "beta"], count: 1 },
    ],
    voters: 0,
  });
  assertEquals(tally.total, 5);
  assertEquals(tally.runoff!.winners, ["beta"]);
  assertEquals(tally.runoff!.rounds.map((r) => r.eliminated), [["Gamma"], []]);
  assertEquals(tally.lines.map((l) => l.votes), [2, 2, 1]);
});

Deno.test("kind settings: absent is single, the cap only for approval, messages", () => {
  assertEquals(checkKindSettings("", "3"), {
    ok: true,
    value: { kind: "single", maxChoices: null },
  });
  assertEquals(checkKindSettings("approval", ""), {
    ok: true,
    value: { kind: "approval", maxChoices: null },
  });
  assertEquals(checkKindSettings("approval", "2"), {
    ok: true,
    value: { kind: "approval", maxChoices: 2 },
  });
  assertEquals(checkKindSettings("approval", "0").ok, false);
  assertEquals(checkKindSettings("borda", "").ok, false);
});
