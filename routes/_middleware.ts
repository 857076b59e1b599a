/**
 * Applied to every request, in order: security headers, a well-formed Host, the
 * body cap, and the browser's signed identity. Per-route guards (same origin,
 * CSRF token, rate limits) are in `_guards.ts`, composed from what each route declares.
 */
import { getCookie, setCookie } from "hono/cookie";
import type { Ctx, Middleware } from "./_context.ts";
import { errorPage } from "./_render.tsx";
import { apiError, isApiPath } from "../lib/api/errors.ts";

export const CSRF_FIELD = "X-CSRF-Token";
export const MAX_BODY_BYTES = 64 * 1024;

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** The policy with some directives given other sources (the embed page names who may frame it). */
export function cspWith(sources: Record<string, string>): string {
  return CSP.split("; ").map((directive) => {
    const name = directive.slice(0, directive.indexOf(" "));
    return name in sources ? `${name} ${sources[name]}` : directive;
  }).join("; ");
}

export const securityHeaders: Middleware = async (c, next) => {
  await next();
  secureResponse(c, c.res);
};

/** Adds the security headers to an answer (a route may have set its own CSP). */
export function secureResponse(c: Ctx, response: Response): Response {
  const headers = response.headers;
  const routeCsp = headers.get("Content-Security-Policy");
  if (routeCsp === null) headers.set("Content-Security-Policy", CSP);
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set("Referrer-Policy", "same-origin");
  const framesNone = (routeCsp ?? CSP).includes("frame-ancestors 'none'");
  if (framesNone && !headers.has("X-Frame-Options")) headers.set("X-Frame-Options", "DENY");
  if (c.get("deps").config.env === "production") {
    headers.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  }
  // A page can carry this browser's CSRF token: never let a shared cache keep it.
  if (!headers.has("Cache-Control") && headers.get("Content-Type")?.startsWith("text/html")) {
    headers.set("Cache-Control", "private, no-store");
  }
  return response;
}

/** A host name or address with an optional port: anything else never reaches a share link. */
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

function validPort(host: string): boolean {
  const port = /:(\d+)$/.exec(host)?.[1];
  return port === undefined || Number(port) <= 65535;
}

// The middleware that only check before passing on are plain functions handing
// back next()'s promise: an async wrapper per layer costs a promise on every request.

/** A Host header a share link could be made of (or none: HTTP/1.0). */
export function wellFormed(host: string | undefined): boolean {
  return host === undefined || (host.length <= 260 && HOST.test(host) && validPort(host));
}

export const wellFormedHost: Middleware = (c, next) => {
  if (!wellFormed(c.req.header("host"))) {
    if (isApiPath(c.req.path)) {
      return Promise.resolve(apiError(400, "bad_request", "The Host header is malformed."));
    }
    return Promise.resolve(errorPage(c, 400, "bad_request", "The Host header is malformed."));
  }
  return next();
};

/** A declared Content-Length the body cap allows. */
export function withinBodyCap(declared: string): boolean {
  return Number(declared) <= MAX_BODY_BYTES;
}

/** Refuses by the declared length before reading; a body sent without one is cut at the cap. */
export const limitBody: Middleware = (c, next) => {
  if (c.req.method === "GET" || c.req.method === "HEAD") return next();
  const declared = c.req.header("content-length");
  if (declared !== undefined && !withinBodyCap(declared)) return Promise.resolve(tooLarge(c));
  if (declared === undefined && c.req.raw.body) return readThenPass(c, next, c.req.raw.body);
  return next();
};

async function readThenPass(
  c: Ctx,
  next: () => Promise<void>,
  body: ReadableStream<Uint8Array>,
): Promise<Response | void> {
  const bytes = await readCapped(body);
  if (bytes === null) return tooLarge(c);
  c.req.raw = new Request(c.req.raw, { body: bytes as Uint8Array<ArrayBuffer> });
  await next();
}

function tooLarge(c: Ctx): Response {
  if (isApiPath(c.req.path)) {
    return apiError(413, "too_large", "The request body is larger than 64 KiB.");
  }
  return errorPage(c, 413, "too_large", "The form is larger than 64 KiB.");
}

async function readCapped(
  body: ReadableStream<Uint8Array>,
): Promise<Uint8Array<ArrayBuffer> | null> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

/** A cookie's name: with the `__Host-` prefix (this origin only, HTTPS) in production. */
export function cookieName(c: Ctx, name: string): string {
  return c.get("deps").config.env === "production" ? `__Host-${name}` : name;
}

export function voterCookieName(c: Ctx): string {
  return cookieName(c, "oponn_voter");
}

export function csrfCookieName(c: Ctx): string {
  return cookieName(c, "oponn_csrf_token");
}

/**
 * The signed voter cookie: kept when the server signed it, otherwise replaced
 * by a new one. The CSRF token is derived from it; `oponn_csrf_token` carries
 * the same token for clients that read it from the cookie (SPEC section 4).
 */
export const identity: Middleware = (c, next) => {
  // The JSON API never reads or sets cookies (so it is not exposed to CSRF).
  if (c.req.path.startsWith("/api/")) return next();
  const { identity, config } = c.get("deps");
  const known = identity.verify(getCookie(c, voterCookieName(c)));
  let voterId = known;
  if (voterId === null) {
    const minted = identity.mint();
    voterId = minted.voterId;
    const options = {
      path: "/",
      httpOnly: true,
      sameSite: "Lax" as const,
      secure: config.env === "production",
      maxAge: 400 * 86_400,
    };
    setCookie(c, voterCookieName(c), minted.cookie, options);
    setCookie(c, csrfCookieName(c), identity.csrfToken(voterId), options);
  }
  adoptVoter(c, voterId, known !== null);
  return next();
};

/** What the rest of the request knows of its browser. */
export function adoptVoter(c: Ctx, voterId: string, known: boolean): void {
  c.set("voterId", voterId);
  c.set("knownVoter", known);
  c.set("csrfToken", c.get("deps").identity.csrfToken(voterId));
}

export const middleware: Middleware[] = [securityHeaders, wellFormedHost, limitBody, identity];
