/** Which idempotency key a vote request carries (lib/votes/keys.ts). */
import { chooseVoteKey, newVoteKey, readVoteKey, voteFingerprint } from "../../lib/votes/keys.ts";
import { assert, assertEquals, assertNotEquals } from "../_support/assert.ts";

Deno.test("a vote's key: the client's header, else the form's field, else the proxy's request id", () => {
  const all = { header: "client-1", field: "page-1", proxyRequestId: "nginx-1" };
  assertEquals(chooseVoteKey(all), { value: "client-1", fromPage: false });
  assertEquals(chooseVoteKey({ ...all, header: undefined }), { value: "page-1", fromPage: true });
  assertEquals(chooseVoteKey({ header: null, proxyRequestId: "nginx-1" }), {
    value: "nginx-1",
    fromPage: false,
  });
  assertEquals(chooseVoteKey({ header: undefined }), null, "no key at all");
  assertEquals(chooseVoteKey({ header: '"quoted-1"' }), { value: "quoted-1", fromPage: false });
});

Deno.test("a malformed header or field refuses the vote; a request id Oponn cannot use is passed over", () => {
  assertEquals(chooseVoteKey({ header: "has a space", field: "page-1" }), undefined);
  assertEquals(chooseVoteKey({ header: "x".repeat(129) }), undefined);
  assertEquals(chooseVoteKey({ header: undefined, field: "" }), undefined);
  assertEquals(chooseVoteKey({ header: undefined, field: "<script>" }), undefined);
  assertEquals(chooseVoteKey({ header: undefined, proxyRequestId: "not a key" }), null);
  assertEquals(readVoteKey("a,b"), undefined, "never a comma (the batch joins keys with one)");
});

Deno.test("a form's new key is 128 random bits in hex, never the same twice", () => {
  const keys = new Set(Array.from({ length: 1000 }, newVoteKey));
  assertEquals(keys.size, 1000);
  for (const key of keys) assert(/^[0-9a-f]{32}$/.test(key), key);
});

Deno.test("a vote's fingerprint: the same for the same choices in any order, else different", () => {
  assertEquals(
    voteFingerprint(["a", "b"], undefined, null),
    voteFingerprint(["b", "a"], undefined, null),
  );
  assertNotEquals(voteFingerprint(["a"], undefined, null), voteFingerprint(["b"], undefined, null));
  assertNotEquals(voteFingerprint([], ["a", "b"], null), voteFingerprint([], ["b", "a"], null));
  assertNotEquals(voteFingerprint(["a"], undefined, "c1"), voteFingerprint(["a"], undefined, "c2"));
});
