/**
 * Owner manage keys and one-time voter codes: random, shown once, stored only
 * as SHA-256 hashes. Neither is a password a person picks, so a fast hash is
 * enough: guessing 128 (keys) or 80 (codes) random bits is the attacker's work.
 */
import { createHmac } from "node:crypto";
import { sha256Hex } from "./hmac.ts";

/**
 * The `{key}` of `/manage/{id}/{key}`: 128 bits derived from OPONN_SECRET and
 * the ballot id, so the owner's own browser can be shown its link again
 * without the key being stored anywhere; the database keeps only its hash.
 */
export function manageKeyFor(secret: string, ballotId: string): string {
  return base64url(createHmac("sha256", secret).update(`manage:${ballotId}`).digest())
    .slice(0, 22);
}

const MANAGE_KEY = /^[A-Za-z0-9_-]{22}$/;

export function isManageKey(value: string): boolean {
  return MANAGE_KEY.test(value);
}

export function hashManageKey(key: string): string {
  return sha256Hex(`manage:${key}`);
}

/** Crockford's base32: no I, L, O or U, so a code read aloud or typed is unambiguous. */
const CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** 80 random bits as 16 characters in groups of four: `7K2M-9QXD-4HRT-B6NP`. */
export function newVoterCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const chars = Array.from(bytes, (byte) => CODE_ALPHABET[byte & 31]);
  return [0, 4, 8, 12].map((at) => chars.slice(at, at + 4).join("")).join("-");
}

/** How a typed code is compared: case, dashes, spaces and look-alike letters do not matter. */
export function normalizeVoterCode(raw: string): string | null {
  const compact = raw.slice(0, 64).toUpperCase().replace(/[\s-]/g, "").replace(/O/g, "0")
    .replace(/[IL]/g, "1");
  return /^[0-9A-HJKMNP-TV-Z]{16}$/.test(compact) ? compact : null;
}

/** Bound to the ballot, so the same code on two ballots hashes apart. */
export function hashVoterCode(ballotId: string, normalizedCode: string): string {
  return sha256Hex(`code:${ballotId}:${normalizedCode}`);
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}
