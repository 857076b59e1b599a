/**
 * Which ballots this browser has voted on, kept by the browser itself in a
 * signed cookie bound to its voter id: the server stores nothing that links a
 * `code` ballot's vote to a browser, yet the voter still sees "you voted" and
 * results shown "after vote". The newest 40 ballots are kept.
 */
import { HmacSha256, sameText } from "./hmac.ts";

const MAX_BALLOTS = 40;
const ID = /^[A-Za-z0-9_-]{16}$/;

export class VotedBallots {
  readonly #hmac: HmacSha256;
  /** Recently verified cookie values (per voter): reading one again costs no HMAC. */
  readonly #verified = new Map<string, string[]>();

  constructor(secret: string) {
    this.#hmac = new HmacSha256(secret);
  }

  /** The ballot ids in a cookie value signed for this voter; anything else reads as none. */
  read(voterId: string, cookie: string | undefined): string[] {
    if (!cookie || cookie.length > MAX_BALLOTS * 17 + 64) return [];
    const known = this.#verified.get(`${voterId}|${cookie}`);
    if (known) return known;
    const ids = this.#verify(voterId, cookie);
    if (ids.length > 0) {
      if (this.#verified.size >= 10_000) this.#verified.clear();
      this.#verified.set(`${voterId}|${cookie}`, ids);
    }
    return ids;
  }

  #verify(voterId: string, cookie: string): string[] {
    const dot = cookie.lastIndexOf(".");
    if (dot < 0) return [];
    const list = cookie.slice(0, dot);
    const expected = this.#sign(voterId, list);
    if (!sameText(cookie.slice(dot + 1), expected)) return [];
    const ids = list === "" ? [] : list.split("~");
    return ids.every((id) => ID.test(id)) ? ids : [];
  }

  /** The cookie value with `ballotId` added (newest last). */
  add(voterId: string, current: string[], ballotId: string): string {
    const ids = [...current.filter((id) => id !== ballotId), ballotId].slice(-MAX_BALLOTS);
    const list = ids.join("~");
    return `${list}.${this.#sign(voterId, list)}`;
  }

  #sign(voterId: string, list: string): string {
    return this.#hmac.sign(`voted:${voterId}:${list}`).slice(0, 22);
  }
}
