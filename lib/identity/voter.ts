/**
 * The browser's identity: a random voter id the server signed. A value the
 * server did not sign is ignored (the caller mints a new id), so a client
 * cannot choose who it is. The CSRF token is derived from the id, so a token
 * is only good for the browser it was issued to.
 */
import { HmacSha256, sameText } from "./hmac.ts";

const ID_BYTES = 16;
/** 128 bits of HMAC-SHA256, base64url. */
const SIGNATURE_CHARS = 22;
/** The whole HMAC-SHA256 for the CSRF token. */
const TOKEN_CHARS = 43;
const COOKIE_VALUE = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})$/;

export class VoterIdentity {
  readonly #hmac: HmacSha256;
  /** Recently verified cookie values: a returning voter costs one map lookup, not an HMAC. */
  readonly #verified = new Map<string, string>();
  /** Tokens recently derived: the middleware and the CSRF guard ask for the same one. */
  readonly #tokens = new Map<string, string>();

  constructor(secret: string) {
    this.#hmac = new HmacSha256(secret);
  }

  /** A new voter id and the cookie value that carries it. */
  mint(): { voterId: string; cookie: string } {
    const voterId = base64url(crypto.getRandomValues(new Uint8Array(ID_BYTES)));
    return { voterId, cookie: `${voterId}.${this.#sign("voter", voterId)}` };
  }

  /** The voter id inside a cookie value the server signed, else `null`. */
  verify(cookie: string | undefined): string | null {
    if (!cookie) return null;
    const known = this.#verified.get(cookie);
    if (known) return known;
    const match = COOKIE_VALUE.exec(cookie);
    if (!match || !sameText(match[2], this.#sign("voter", match[1]))) return null;
    if (this.#verified.size >= 10_000) this.#verified.clear();
    this.#verified.set(cookie, match[1]);
    return match[1];
  }

  /** The CSRF token this voter's forms carry. */
  csrfToken(voterId: string): string {
    const known = this.#tokens.get(voterId);
    if (known) return known;
    const token = this.#sign("csrf", voterId, TOKEN_CHARS);
    if (this.#tokens.size >= 10_000) this.#tokens.clear();
    this.#tokens.set(voterId, token);
    return token;
  }

  /** Whether `token` is the one issued to this voter (constant time). */
  validToken(voterId: string, token: string | undefined): boolean {
    return token !== undefined && sameText(token, this.csrfToken(voterId));
  }

  #sign(purpose: string, voterId: string, chars = SIGNATURE_CHARS): string {
    return this.#hmac.sign(`${purpose}:${voterId}`).slice(0, chars);
  }
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}
