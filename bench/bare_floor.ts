/**
 * The bare floor of the vote path: a plain `Deno.serve` that does the work
 * Oponn does per htmx vote, minus Hono and the database. For POST /vote/{id}
 * it checks the Origin against the Host, parses the Cookie header, verifies
 * the signed voter cookie and the CSRF token with the same code Oponn uses
 * (lib/identity/voter.ts, same OPONN_SECRET), reads the urlencoded form as
 * strict UTF-8 with the same kind of parser, signs the "voted" cookie
 * (lib/identity/voted.ts) unless it already ends with this ballot (as
 * routes/_reader.ts does) and answers 204 with the same headers, in the same
 * order, as Oponn in OPONN_ENV=test: HX-Redirect, two Set-Cookie, the
 * security headers. GET /vote/{id} hands out the cookie and token like the
 * vote page (a minimal page), so the bench's voters set up as they do against
 * Oponn. With FLOOR_DATABASE_URL, each vote is answered once its batch has
 * committed (bench/floor_commit.ts). Prints `listening PORT`.
 *
 *   OPONN_SECRET=... [FLOOR_DATABASE_URL=...] deno run -A bench/bare_floor.ts
 */
import { VoterIdentity } from "../lib/identity/voter.ts";
import { VotedBallots } from "../lib/identity/voted.ts";
import { floorWriter } from "./floor_commit.ts";

const secret = Deno.env.get("OPONN_SECRET");
if (!secret) {
  console.error("bare_floor: set OPONN_SECRET (the bench passes Oponn's)");
  Deno.exit(2);
}
const identity = new VoterIdentity(secret);
const voted = new VotedBallots(secret);
const databaseUrl = Deno.env.get("FLOOR_DATABASE_URL");
const writer = databaseUrl ? await floorWriter(databaseUrl) : undefined;

const CSRF_FIELD = "X-CSRF-Token";
const MAX_BODY_BYTES = 64 * 1024;
const MAX_FORM_FIELDS = 500;
const YEAR_COOKIE = "Max-Age=34560000; Path=/; HttpOnly; SameSite=Lax";
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; " +
  "frame-ancestors 'none'";
const SECURITY: [string, string][] = [
  ["Content-Security-Policy", CSP],
  ["X-Content-Type-Options", "nosniff"],
  ["Referrer-Policy", "same-origin"],
  ["X-Frame-Options", "DENY"],
];
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function refuse(status: number): Response {
  return new Response(null, { status, headers: SECURITY });
}

/** `name=value` pairs of a Cookie header. */
function parseCookies(header: string | null): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}

/** A form name or value; one without escapes needs no decoding (as in routes/_form.ts). */
function decode(part: string): string {
  if (part.indexOf("%") < 0 && part.indexOf("+") < 0) return part;
  return decodeURIComponent(part.replaceAll("+", " "));
}

/** Strict urlencoded parse (a broken %-escape throws), keys on a prototype-less object. */
function parseForm(text: string): Record<string, string> {
  const form: Record<string, string> = Object.create(null);
  let fields = 0;
  for (let start = 0; start <= text.length;) {
    let end = text.indexOf("&", start);
    if (end < 0) end = text.length;
    if (end > start) {
      if (++fields > MAX_FORM_FIELDS) throw new Error("too many fields");
      const pair = text.slice(start, end);
      const eq = pair.indexOf("=");
      const key = decode(eq < 0 ? pair : pair.slice(0, eq));
      const value = eq < 0 ? "" : decode(pair.slice(eq + 1));
      if (!(key in form)) form[key] = value;
    }
    start = end + 1;
  }
  return form;
}

function encodeChoice(choice: string): string {
  const bytes = new TextEncoder().encode(choice.slice(0, 2000));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** The path of a request URL without parsing it (scheme://host/path?query). */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("://") + 3);
  const query = url.indexOf("?", start);
  return query < 0 ? url.slice(start) : url.slice(start, query);
}

function votePage(cookies: Map<string, string>): Response {
  let voterId = identity.verify(cookies.get("oponn_voter"));
  const headers: [string, string][] = [["Content-Type", "text/html; charset=UTF-8"]];
  if (voterId === null) {
    const minted = identity.mint();
    voterId = minted.voterId;
    headers.push(["Set-Cookie", `oponn_voter=${minted.cookie}; ${YEAR_COOKIE}`]);
    headers.push(["Set-Cookie", `oponn_csrf_token=${identity.csrfToken(voterId)}; ${YEAR_COOKIE}`]);
  }
  const token = identity.csrfToken(voterId);
  const body = `<!doctype html><form method="post"><input type="hidden" name="${CSRF_FIELD}" ` +
    `value="${token}"><button name="option" value="yes">yes</button></form>`;
  return new Response(body, {
    headers: [...headers, ...SECURITY, ["Cache-Control", "private, no-store"]],
  });
}

async function vote(request: Request, ballotId: string): Promise<Response> {
  const headers = request.headers;
  const origin = headers.get("origin");
  const host = headers.get("host");
  if (
    headers.get("sec-fetch-site") === "cross-site" ||
    (origin !== null && origin !== `http://${host}` && origin !== `https://${host}`)
  ) return refuse(403);
  const declared = headers.get("content-length");
  if (declared !== null && !(Number(declared) <= MAX_BODY_BYTES)) return refuse(413);
  const cookies = parseCookies(headers.get("cookie"));
  const voterId = identity.verify(cookies.get("oponn_voter"));
  if (voterId === null) return refuse(403);
  const type = headers.get("content-type") ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded")) return refuse(415);
  let form: Record<string, string>;
  try {
    form = parseForm(strictUtf8.decode(await request.arrayBuffer()));
  } catch {
    return refuse(400);
  }
  const sent = headers.get(CSRF_FIELD) ?? (form[CSRF_FIELD] || undefined);
  if (!identity.validToken(voterId, sent)) return refuse(403);
  const option = form.option ?? "";
  if (option === "" || option.length > 2000) return refuse(400);
  if (writer) {
    // Its statement joins ballot ids by commas and options by line feeds.
    if (ballotId.includes(",") || option.includes("\n")) return refuse(400);
    await writer.submit({ ballotId, label: option });
  }
  const redirect = `/results/${ballotId}`;
  const answer: [string, string][] = [["HX-Redirect", redirect]];
  // Like routes/_reader.ts rememberVote: a new signed list unless it already ends with this ballot.
  const ids = voted.read(voterId, cookies.get("oponn_voted"));
  if (ids.at(-1) !== ballotId) {
    answer.push(["Set-Cookie", `oponn_voted=${voted.add(voterId, ids, ballotId)}; ${YEAR_COOKIE}`]);
  }
  answer.push(
    [
      "Set-Cookie",
      `oponn_choice=${encodeChoice(option)}; Max-Age=300; Path=${redirect}; HttpOnly; SameSite=Lax`,
    ],
    ...SECURITY,
  );
  if (headers.get("hx-request") !== "true") answer[0] = ["Location", redirect];
  return new Response(null, {
    status: headers.get("hx-request") === "true" ? 204 : 303,
    headers: answer,
  });
}

Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen: ({ port }) => console.log(`listening ${port}`),
}, (request) => {
  const path = pathOf(request.url);
  if (!path.startsWith("/vote/")) return refuse(404);
  const ballotId = path.slice("/vote/".length);
  if (request.method === "POST") return vote(request, ballotId);
  if (request.method === "GET") return votePage(parseCookies(request.headers.get("cookie")));
  return refuse(405);
});
