/**
 * Which client a request came from. `X-Forwarded-For` is believed only when the
 * TCP peer is a listed proxy; the client is then the right-most entry that is
 * not itself a listed proxy (entries further left are whatever the client sent).
 * IPv6 clients are grouped by their /64, the block one subscriber usually holds.
 */

interface Network {
  bytes: Uint8Array;
  prefixBits: number;
}

export class AddressResolver {
  readonly #trusted: Network[];
  readonly #allowed: Network[];

  /** `trusted`: proxies whose `X-Forwarded-For` counts; `metricsAllow`: beside loopback. */
  constructor(trusted: string[], metricsAllow: string[] = []) {
    this.#trusted = trusted.map(parseNetwork).filter((net): net is Network => net !== null);
    this.#allowed = metricsAllow.map(parseNetwork).filter((net): net is Network => net !== null);
  }

  /** The client's address as a rate-limit key: IPv4 as is, IPv6 as its /64. */
  client(peer: string | undefined, forwardedFor: string | undefined): string {
    return groupKey(this.clientAddress(peer, forwardedFor));
  }

  clientAddress(peer: string | undefined, forwardedFor: string | undefined): string {
    if (!peer) return "unknown";
    if (!forwardedFor || !this.isTrusted(peer)) return peer;
    const hops = forwardedFor.slice(0, 2048).split(",").map((hop) => hop.trim());
    for (let index = hops.length - 1; index >= 0; index--) {
      const hop = hops[index];
      if (parseAddress(hop) === null) return peer;
      if (!this.isTrusted(hop)) return hop;
    }
    return peer;
  }

  isTrusted(address: string): boolean {
    return matches(this.#trusted, address);
  }

  /** Loopback, or an address listed in OPONN_METRICS_ALLOW. */
  mayReadMetrics(address: string): boolean {
    return isLoopback(address) || matches(this.#allowed, address);
  }
}

function matches(networks: Network[], address: string): boolean {
  if (networks.length === 0) return false;
  const bytes = parseAddress(address);
  return bytes !== null && networks.some((net) => contains(net, bytes));
}

export function isLoopback(address: string): boolean {
  const bytes = parseAddress(address);
  if (!bytes) return false;
  if (bytes.length === 4) return bytes[0] === 127;
  return bytes.every((byte, index) => byte === (index === 15 ? 1 : 0));
}

/** IPv4 unchanged, IPv6 as `xxxx:xxxx:xxxx:xxxx::/64`; anything else unchanged. */
export function groupKey(address: string): string {
  const bytes = parseAddress(address);
  if (!bytes || bytes.length === 4) return address;
  const groups: string[] = [];
  for (let index = 0; index < 8; index += 2) {
    groups.push(((bytes[index] << 8) | bytes[index + 1]).toString(16));
  }
  return `${groups.join(":")}::/64`;
}

function contains(net: Network, bytes: Uint8Array): boolean {
  if (net.bytes.length !== bytes.length) return false;
  let bits = net.prefixBits;
  for (let index = 0; bits > 0; index++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((net.bytes[index] & mask) !== (bytes[index] & mask)) return false;
  }
  return true;
}

function parseNetwork(text: string): Network | null {
  const [address, bits] = text.split("/");
  const bytes = parseAddress(address);
  if (!bytes) return null;
  const prefixBits = bits === undefined ? bytes.length * 8 : Number(bits);
  return prefixBits <= bytes.length * 8 ? { bytes, prefixBits } : null;
}

/** 4 or 16 bytes; IPv4-mapped IPv6 (`::ffff:1.2.3.4`) comes back as IPv4. */
export function parseAddress(text: string): Uint8Array | null {
  if (text.length > 45) return null;
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/i.exec(text);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    return parts.every((part) => part <= 255) ? Uint8Array.from(parts) : null;
  }
  if (!/^[0-9a-f:]+$/i.test(text) || !text.includes(":")) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 2 && missing < 1) || (halves.length === 1 && missing !== 0)) return null;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (groups.some((group) => group.length === 0 || group.length > 4)) return null;
  const bytes = new Uint8Array(16);
  groups.forEach((group, index) => {
    const value = parseInt(group, 16);
    bytes[index * 2] = value >> 8;
    bytes[index * 2 + 1] = value & 0xff;
  });
  return bytes;
}
