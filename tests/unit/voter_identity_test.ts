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

Deno.test("HmacSha256 signs exactly as HMAC-SHA256, for short and long keys", async () => {
  const { HmacSha256 } = await import("../../lib/identity/hmac.ts");
  const { createHmac } = await import("node:crypto");
  for (
    const key of [SECRET, "k".repeat(64), "x".repeat(200), "ключ-🔑-0123456789abcdef0123456789"]
  ) {
    const hmac = new HmacSha256(key);
    // Every length around the block and padding edges, ASCII and multi-byte.
    const lengths = [...Array(140).keys(), 183, 184, 191, 192, 700];
    const messages = [
      "",
      "voter:abc",
      "csrf:" + "z".repeat(500),
      "voted:é~ü",
      ...lengths.map((n) => "m".repeat(n)),
      ...lengths.map((n) => "é🗳".repeat(n).slice(0, n)),
    ];
    for (const message of messages) {
      assertEquals(
        hmac.sign(message),
        createHmac("sha256", key).update(message).digest("base64url"),
        `${key.length}-char key, ${message.length}-char message`,
      );
    }
  }
});

Deno.test("sha256Hex hashes exactly as SHA-256 (stored voter codes and manage keys keep matching)", async () => {
  const { sha256Hex } = await import("../../lib/identity/hmac.ts");
  const { createHash } = await import("node:crypto");
  const texts = [
    "",
    "code:Ballot1111111111:ABCDE12345FGHJK",
    "manage:" + "k".repeat(22),
    ...[...Array(130).keys()].map((n) => "x".repeat(n)),
    "ü🔑".repeat(40),
  ];
  for (const text of texts) {
    assertEquals(sha256Hex(text), createHash("sha256").update(text).digest("hex"), text);
  }
});
