/**
 * SHA-256 and HMAC-SHA256 in plain JavaScript, with the key's padded blocks compressed
 * once: a signature of a short message is then two SHA-256 blocks. Most
 * requests make one (a new browser's cookie, token and voted list make three),
 * and `node:crypto` in Deno cost about 6 µs a signature here (three calls
 * into the runtime and a Buffer each) where this costs about 1.
 * Checked against `node:crypto`'s HMAC in tests/unit/voter_identity_test.ts.
 */

const BLOCK_BYTES = 64;

/** SHA-256's round constants and initial state, from the primes (FIPS 180-4, 4.2.2 and 5.3.3). */
const K = new Uint32Array(64);
const IV = new Uint32Array(8);
{
  const primes: number[] = [];
  for (let n = 2; primes.length < 64; n++) {
    if (primes.every((p) => n % p !== 0)) primes.push(n);
  }
  const fraction = (x: number) => ((x - Math.floor(x)) * 2 ** 32) >>> 0;
  primes.forEach((p, i) => K[i] = fraction(Math.cbrt(p)));
  for (let i = 0; i < 8; i++) IV[i] = fraction(Math.sqrt(primes[i]));
}

const encoder = new TextEncoder();

export class HmacSha256 {
  readonly #inner = new Uint32Array(8);
  readonly #outer = new Uint32Array(8);
  // Scratch space, reused: a signature allocates only its result string.
  readonly #state = new Uint32Array(8);
  readonly #words = new Uint32Array(64);
  #bytes = new Uint8Array(256);

  constructor(secret: string) {
    let key: Uint8Array = encoder.encode(secret);
    if (key.length > BLOCK_BYTES) key = sha256(key);
    const block = new Uint8Array(BLOCK_BYTES);
    block.set(key);
    this.#inner.set(IV);
    compress(this.#inner, block.map((byte) => byte ^ 0x36), 0, this.#words);
    this.#outer.set(IV);
    compress(this.#outer, block.map((byte) => byte ^ 0x5c), 0, this.#words);
  }

  /** The MAC of `message`, base64url without padding. */
  sign(message: string): string {
    // UTF-8 takes at most 3 bytes per UTF-16 unit; room for the padding too.
    const needed = message.length * 3 + 2 * BLOCK_BYTES;
    if (this.#bytes.length < needed) this.#bytes = new Uint8Array(needed);
    const bytes = this.#bytes;
    const length = encoder.encodeInto(message, bytes).written;
    const state = this.#state;
    state.set(this.#inner);
    digestInto(state, bytes, length, BLOCK_BYTES, this.#words);
    // The outer hash: the inner digest, then its padding, one block.
    for (let i = 0; i < 8; i++) writeWord(bytes, i * 4, state[i]);
    state.set(this.#outer);
    digestInto(state, bytes, 32, BLOCK_BYTES, this.#words);
    return base64url(state);
  }
}

/** SHA-256 of a text's UTF-8, in hex (voter codes are stored this way). */
export function sha256Hex(text: string): string {
  let hex = "";
  for (const byte of sha256(encoder.encode(text))) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/** SHA-256 of a whole message (keys longer than a block, voter codes). */
function sha256(message: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(message.length + 2 * BLOCK_BYTES);
  bytes.set(message);
  const state = IV.slice();
  digestInto(state, bytes, message.length, 0, new Uint32Array(64));
  const digest = new Uint8Array(32);
  for (let i = 0; i < 8; i++) writeWord(digest, i * 4, state[i]);
  return digest;
}

/**
 * Finishes a hash whose state has absorbed `before` bytes: pads `bytes[0,
 * length)` in place (the array has room) and compresses every block.
 */
function digestInto(
  state: Uint32Array,
  bytes: Uint8Array,
  length: number,
  before: number,
  words: Uint32Array,
): void {
  const padded = Math.ceil((length + 9) / BLOCK_BYTES) * BLOCK_BYTES;
  bytes[length] = 0x80;
  bytes.fill(0, length + 1, padded - 8);
  const bits = (before + length) * 8;
  writeWord(bytes, padded - 8, Math.floor(bits / 2 ** 32));
  writeWord(bytes, padded - 4, bits >>> 0);
  for (let offset = 0; offset < padded; offset += BLOCK_BYTES) {
    compress(state, bytes, offset, words);
  }
}

function compress(state: Uint32Array, bytes: Uint8Array, offset: number, w: Uint32Array): void {
  for (let i = 0; i < 16; i++) {
    const at = offset + i * 4;
    w[i] = (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
  }
  for (let i = 16; i < 64; i++) {
    const a = w[i - 15];
    const b = w[i - 2];
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
  }
  let a = state[0], b = state[1], c = state[2], d = state[3];
  let e = state[4], f = state[5], g = state[6], h = state[7];
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const choice = (e & f) ^ (~e & g);
    const t1 = (h + s1 + choice + K[i] + w[i]) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const majority = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (s0 + majority) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
  state[5] += f;
  state[6] += g;
  state[7] += h;
}

function writeWord(bytes: Uint8Array, at: number, word: number): void {
  bytes[at] = word >>> 24;
  bytes[at + 1] = word >>> 16;
  bytes[at + 2] = word >>> 8;
  bytes[at + 3] = word;
}

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** The 32-byte digest held in `state`, base64url without padding (43 characters). */
function base64url(state: Uint32Array): string {
  let out = "";
  let bits = 0;
  let held = 0;
  for (let i = 0; i < 32; i++) {
    held = (held << 8) | ((state[i >> 2] >>> (24 - 8 * (i & 3))) & 0xff);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += BASE64URL[(held >>> bits) & 63];
    }
    held &= (1 << bits) - 1;
  }
  return bits > 0 ? out + BASE64URL[(held << (6 - bits)) & 63] : out;
}

/**
 * Whether two strings are equal, in time that depends only on their lengths
 * (signatures and tokens are ASCII, so no encoding step is needed).
 */
export function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
