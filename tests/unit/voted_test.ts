/** The signed "voted" cookie: bound to the browser's voter id, newest last, tamper-proof. */
import { VotedBallots } from "../../lib/identity/voted.ts";
import { assertEquals, assertNotEquals } from "../_support/assert.ts";

const SECRET = "s".repeat(40);
const A = "voterAAAAAAAAAAAAAAAAA";
const B = "voterBBBBBBBBBBBBBBBBB";
const BALLOT_1 = "Ballot1111111111";
const BALLOT_2 = "Ballot2222222222";

Deno.test("a voted cookie reads back for its own voter only, newest last", () => {
  const voted = new VotedBallots(SECRET);
  const first = voted.add(A, [], BALLOT_1);
  const both = voted.add(A, voted.read(A, first), BALLOT_2);
  assertEquals(voted.read(A, both), [BALLOT_1, BALLOT_2]);
  assertEquals(voted.read(B, both), [], "another browser cannot use it");
  assertNotEquals(voted.add(B, [], BALLOT_1), first, "each voter's value is its own");
  assertEquals(voted.read(A, voted.add(A, [BALLOT_1, BALLOT_2], BALLOT_1)), [BALLOT_2, BALLOT_1]);
});

Deno.test("a voted cookie signed again, here or in another process, is the same value", () => {
  const here = new VotedBallots(SECRET);
  const values = [A, B, A, B, A].map((voter) => here.add(voter, [], BALLOT_1));
  const elsewhere = new VotedBallots(SECRET);
  assertEquals(values, [A, B, A, B, A].map((voter) => elsewhere.add(voter, [], BALLOT_1)));
  assertEquals(elsewhere.read(B, values[1]), [BALLOT_1]);
});

Deno.test("a tampered or foreign voted cookie reads as none", () => {
  const voted = new VotedBallots(SECRET);
  const value = voted.add(A, [], BALLOT_1);
  const [list, signature] = value.split(".");
  assertEquals(voted.read(A, `${BALLOT_2}.${signature}`), []);
  assertEquals(voted.read(A, `${list}.${"x".repeat(signature.length)}`), []);
  assertEquals(new VotedBallots("t".repeat(40)).read(A, value), [], "another secret");
  assertEquals(voted.read(A, "not a cookie"), []);
});
