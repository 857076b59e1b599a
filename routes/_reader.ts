/** Who is reading a ballot: its owner, someone who voted on it, or anyone. */
import { getCookie } from "hono/cookie";
import type { Ballot } from "../lib/ballots/types.ts";
import { type Reader, type Visibility, visibilityFor } from "../lib/results/visibility.ts";
import type { Ctx } from "./_context.ts";
import { cookieName } from "./_middleware.ts";

function votedCookieName(c: Ctx): string {
  return cookieName(c, "oponn_voted");
}

/** The ballots this browser voted on, from its signed cookie (newest last). */
export function votedIds(c: Ctx): string[] {
  return c.get("deps").voted.read(c.get("voterId"), getCookie(c, votedCookieName(c)));
}

export function readerOf(c: Ctx, ballot: Ballot): Reader {
  return {
    isOwner: ballot.ownerVoter !== null && ballot.ownerVoter === c.get("voterId"),
    hasVoted: votedIds(c).includes(ballot.id),
  };
}

export function visibilityOf(c: Ctx, ballot: Ballot): Visibility {
  return visibilityFor(ballot, readerOf(c, ballot), c.get("deps").oponn.now());
}

const YEAR_S = 400 * 86_400;
const CHOICE_S = 300;

/**
 * Sets a cookie whose name and value this module made (cookie-safe characters
 * only, so nothing to encode), with the attributes in the order Hono's
 * setCookie writes them; written here because it runs on every vote.
 */
function appendCookie(
  c: Ctx,
  name: string,
  value: string,
  { maxAge, path, secure }: { maxAge: number; path: string; secure: boolean },
): void {
  const line = `${name}=${value}; Max-Age=${maxAge}; Path=${path}; HttpOnly${
    secure ? "; Secure" : ""
  }; SameSite=Lax`;
  c.header("Set-Cookie", line, { append: true });
}

/** Remembers in this browser that it voted on `ballotId`, and what it chose (shown once). */
export function rememberVote(c: Ctx, ballotId: string, choice: string): void {
  const { voted, config } = c.get("deps");
  const secure = config.env === "production";
  const ids = votedIds(c);
  // A browser voting again on its latest ballot already holds this very value (signed).
  if (ids.at(-1) !== ballotId) {
    const value = voted.add(c.get("voterId"), ids, ballotId);
    appendCookie(c, votedCookieName(c), value, { maxAge: YEAR_S, path: "/", secure });
  }
  // Read by the results page right after the redirect, then dropped; never stored server-side.
  appendCookie(c, CHOICE_COOKIE, encodeChoice(choice), {
    maxAge: CHOICE_S,
    path: `/results/${ballotId}`,
    secure,
  });
}

const CHOICE_COOKIE = "oponn_choice";

/** The choice just recorded on this ballot, once. */
export function takeRecordedChoice(c: Ctx, ballotId: string): string | null {
  const value = getCookie(c, CHOICE_COOKIE);
  if (value === undefined) return null;
  appendCookie(c, CHOICE_COOKIE, "", { maxAge: 0, path: `/results/${ballotId}`, secure: false });
  return decodeChoice(value);
}

/** Recent choices' encodings: most votes on a ballot repeat a few choices. */
const encodedChoices = new Map<string, string>();

function encodeChoice(choice: string): string {
  const known = encodedChoices.get(choice);
  if (known !== undefined) return known;
  const bytes = new TextEncoder().encode(choice.slice(0, 2000));
  const encoded = btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
  if (choice.length <= 256) {
    if (encodedChoices.size >= 1_000) encodedChoices.clear();
    encodedChoices.set(choice, encoded);
  }
  return encoded;
}

function decodeChoice(value: string): string | null {
  try {
    const binary = atob(value.replaceAll("-", "+").replaceAll("_", "/"));
    const text = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(binary, (char) => char.charCodeAt(0)),
    );
    return text.length > 0 && text.length <= 2000 ? text : null;
  } catch {
    return null;
  }
}
