/**
 * A vote's idempotency key: the `Idempotency-Key` request header (a client's
 * own, or the request id nginx sets when the client sent none). The same key
 * sent again for the same ballot is answered as the vote it recorded, and not
 * counted twice: a load balancer may then resend a vote whose answer it lost.
 */

import { sha256Hex } from "../identity/hmac.ts";

export const VOTE_KEY_HEADER = "Idempotency-Key";

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

export const VOTE_KEY_REUSED =
  "This Idempotency-Key was already used for a different vote: send a new vote with a new key.";

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
