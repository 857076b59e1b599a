import { VoterIdentity } from "../../lib/identity/voter.ts";
import { assert, assertEquals } from "../_support/assert.ts";

const SECRET = "a-test-secret-of-at-least-32-characters";

Deno.test("VoterIdentity verifies only cookies it signed", () => {
  const identity = new VoterIdentity(SECRET);
  const { voterId, cookie } = identity.mint();
  assertEquals(identity.verify(cookie), voterId);
  const [id, signature] = cookie.split(".");
  const flipped = signature.slice(0, -1) + (signature.endsWith("A") ? "B" : "A");
  assertEquals(identity.verify(`${id}.${flipped}`), null);
  assertEquals(identity.verify(`${"x".repeat(22)}.${signature}`), null);
  assertEquals(identity.verify("self-made-value"), null);
  assertEquals(identity.verify(undefined), null);
  assertEquals(new VoterIdentity(`${SECRET}-other`).verify(cookie), null);
});

Deno.test("VoterIdentity binds the CSRF token to one voter", () => {
  const identity = new VoterIdentity(SECRET);
  const alice = identity.mint().voterId;
  const bob = identity.mint().voterId;
  const token = identity.csrfToken(alice);
  assert(identity.validToken(alice, token));
  assertEquals(identity.validToken(bob, token), false);
  assertEquals(identity.validToken(alice, undefined), false);
  assertEquals(identity.validToken(alice, token.slice(1)), false);
});
