/**
 * A vote's idempotency key. The same key sent again for the same ballot is
 * answered as the vote it recorded, and not counted twice: a client may resend
 * a vote whose answer it lost, a load balancer may resend it to another
 * replica, and a form submitted twice counts once. Where it comes from, first
 * found first:
 * - the client's `Idempotency-Key` header (the API, and the vote page's
 *   script, which makes one per submission);
 * - the vote form's hidden `vote_key` field, new on every page served (a
 *   page without JavaScript submitted twice);
 * - the proxy's id for the request (`X-Oponn-Request-Id`, nginx's
 *   `$request_id` in deploy/nginx.conf), the same when nginx resends it.
 */

import { sha256Hex } from "../identity/hmac.ts";

export const VOTE_KEY_HEADER = "Idempotency-Key";
export const VOTE_KEY_FIELD = "vote_key";
export const PROXY_REQUEST_ID_HEADER = "X-Oponn-Request-Id";

/** A vote's key, and whether the page Oponn served made it (so a refusal can say so). */
export interface VoteKey {
  value: string;
  fromPage: boolean;
}

export const VOTE_KEY_MESSAGE =
  "The Idempotency-Key header must be 1 to 128 letters, digits or . _ : + / = - characters.";

/** Letters, digits and the characters of UUIDs, hex and base64 ids: never a comma. */
const KEY = /^[A-Za-z0-9._:+/=-]{1,128}$/;

/**
 * The key a request carries: `null` without one, `undefined` when it is malformed.
 * One pair of double quotes is taken off (the header is a structured-field string).
 */
export function readVoteKey(header: string | undefined | null): string | null | undefined {
  if (header === undefined || header === null) return null;
  const value = header.length > 1 && header.startsWith('"') && header.endsWith('"')
    ? header.slice(1, -1)
    : header;
  return KEY.test(value) ? value : undefined;
}

export const VOTE_KEY_FIELD_MESSAGE =
  "This vote form is damaged (its vote_key field): reload the page and vote again.";

/**
 * The key of a vote request: the client's header, else the form's field, else the
 * proxy's request id (see above). `undefined`: the header or the field is
 * malformed, and the vote is refused; a malformed request id (a proxy of
 * another make) is passed over, as none.
 */
export function chooseVoteKey(sent: {
  header: string | null | undefined;
  field?: string;
  proxyRequestId?: string | null;
}): VoteKey | null | undefined {
  const header = readVoteKey(sent.header);
  if (header !== null) return header === undefined ? undefined : { value: header, fromPage: false };
  if (sent.field !== undefined) {
    const field = readVoteKey(sent.field);
    return field ? { value: field, fromPage: true } : undefined;
  }
  const proxied = readVoteKey(sent.proxyRequestId);
  return proxied ? { value: proxied, fromPage: false } : null;
}

/** A new key for a vote form: 128 random bits, as hex. */
export function newVoteKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export const VOTE_KEY_REUSED =
  "This Idempotency-Key was already used for a different vote: send a new vote with a new key.";

export const VOTE_PAGE_REUSED =
  "This page already sent a different vote, so this one was not counted. " +
  "The form below is new: send your choice again to cast it.";

/**
 * What a vote chose, as a short hash kept beside its key: a vote sent again
 * under a key must be the vote first sent (options in any order, a ranking in
 * its order, the same voter code).
 */
export function voteFingerprint(
  optionKeys: string[],
  rankingKeys: string[] | undefined,
  codeHash: string | null,
): string {
  const parts = [[...optionKeys].sort().join("\n"), (rankingKeys ?? []).join("\n"), codeHash ?? ""];
  return sha256Hex(parts.join("\u001e")).slice(0, 32);
}
