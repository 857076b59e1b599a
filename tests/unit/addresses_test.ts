import { AddressResolver, groupKey, isLoopback } from "../../lib/limits/addresses.ts";
import { assertEquals } from "../_support/assert.ts";

Deno.test("AddressResolver ignores X-Forwarded-For unless the peer is a listed proxy", () => {
  const none = new AddressResolver([]);
  // Loopback and private peers used to be believed: rotating the header defeated every cap.
  assertEquals(none.client("127.0.0.1", "198.51.100.20"), "127.0.0.1");
  assertEquals(none.client("10.0.0.5", "1.2.3.4"), "10.0.0.5");
  assertEquals(none.client(undefined, undefined), "unknown");
});

Deno.test("AddressResolver takes the right-most hop that is not a listed proxy", () => {
  const resolver = new AddressResolver(["10.0.0.0/8", "127.0.0.1"]);
  assertEquals(resolver.client("10.0.0.5", "spoofed, 198.51.100.20"), "198.51.100.20");
  assertEquals(resolver.client("127.0.0.1", "203.0.113.9, 10.1.2.3"), "203.0.113.9");
  assertEquals(resolver.client("10.0.0.5", "<script>"), "10.0.0.5");
  assertEquals(resolver.client("203.0.113.1", "198.51.100.20"), "203.0.113.1");
});

Deno.test("AddressResolver groups IPv6 clients by their /64", () => {
  const resolver = new AddressResolver([]);
  const a = resolver.client("2001:db8:1:2:aaaa::1", undefined);
  const b = resolver.client("2001:db8:1:2:ffff:1:2:3", undefined);
  assertEquals(a, "2001:db8:1:2::/64");
  assertEquals(a, b);
  assertEquals(groupKey("2001:db8:1:3::1") === a, false);
  assertEquals(groupKey("::ffff:192.0.2.1"), "::ffff:192.0.2.1");
});

Deno.test("AddressResolver lets loopback and OPONN_METRICS_ALLOW read metrics, nobody else", () => {
  const resolver = new AddressResolver([], ["192.0.2.0/24", "2001:db8::/32"]);
  assertEquals(resolver.mayReadMetrics("127.0.0.1"), true);
  assertEquals(resolver.mayReadMetrics("::1"), true);
  assertEquals(resolver.mayReadMetrics("192.0.2.77"), true);
  assertEquals(resolver.mayReadMetrics("2001:db8:5::1"), true);
  assertEquals(resolver.mayReadMetrics("198.51.100.1"), false);
  assertEquals(isLoopback("::2"), false);
});
