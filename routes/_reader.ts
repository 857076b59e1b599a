/** Who is reading a ballot: its owner, someone who voted on it, or anyone. */
import { getCookie, setCookie } from "hono/cookie";
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

const COOKIE_OPTIONS = { path: "/", httpOnly: true, sameSite: "Lax" as const };

/** Remembers in this browser that it voted on `ballotId`, and what it chose (shown once). */
export function rememberVote(c: Ctx, ballotId: string, choice: string): void {
  const { voted, config } = c.get("deps");
  const secure = config.env === "production";
  const ids = votedIds(c);
  // A browser voting again on its latest ballot already holds this very value (signed).
  if (ids.at(-1) !== ballotId) {
    setCookie(c, votedCookieName(c), voted.add(c.get("voterId"), ids, ballotId), {
      ...COOKIE_OPTIONS,
      secure,
      maxAge: 400 * 86_400,
    });
  }
  // Read by the results page right after the redirect, then dropped; never stored server-side.
  setCookie(c, CHOICE_COOKIE, encodeChoice(choice), {
    ...COOKIE_OPTIONS,
    secure,
    path: `/results/${ballotId}`,
    maxAge: 300,
  });
}

const CHOICE_COOKIE = "oponn_choice";

/** The choice just recorded on this ballot, once. */
export function takeRecordedChoice(c: Ctx, ballotId: string): string | null {
  const value = getCookie(c, CHOICE_COOKIE);
  if (value === undefined) return null;
  setCookie(c, CHOICE_COOKIE, "", { ...COOKIE_OPTIONS, path: `/results/${ballotId}`, maxAge: 0 });
  return decodeChoice(value);
}

function encodeChoice(choice: string): string {
  const bytes = new TextEncoder().encode(choice.slice(0, 2000));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
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
