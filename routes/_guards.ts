/**
 * The guards a route gets from what it declares (see `RouteRules`): a
 * same-origin check and the CSRF token, then a token bucket. The cheap checks
 * run first; the body is parsed only for a browser the server knows, whose
 * token did not come in the header.
 */
import type { Decision, LimitedAction, RateLimiter } from "../lib/limits/rate_limit.ts";
import type { Ctx, Method, Middleware, RouteRules } from "./_context.ts";
import { field, isFormType, readForm } from "./_form.ts";
import { CSRF_FIELD } from "./_middleware.ts";
import { errorPage } from "./_render.tsx";

// The SPEC's phrase (section 4) word for word, then what to do.
const CSRF_MESSAGE = "Invalid or Missing CSRF Token. Reload the page and try again.";

/** The middleware for one method of one route, safe by default. */
export function guardsFor(method: Method, rules: RouteRules = {}): Middleware[] {
  const { csrf, limit } = guardRules(method, rules);
  // Cheapest first; the bucket is taken before the body is parsed for its token.
  return [
    ...(csrf ? [sameOrigin] : []),
    ...(limit ? [rateLimit(limit)] : []),
    ...(csrf ? [csrfToken] : []),
  ];
}

/** What a method's rules come to once the defaults are applied. */
export function guardRules(
  method: Method,
  rules: RouteRules = {},
): { csrf: boolean; limit: LimitedAction | false } {
  const reads = method === "GET";
  return { csrf: rules.csrf ?? !reads, limit: rules.limit ?? (reads ? false : "write") };
}

/** The client's address, as rate limits and stream caps key it. */
export function clientKey(c: Ctx): string {
  const info = c.env as Deno.ServeHandlerInfo<Deno.NetAddr> | undefined;
  return c.get("deps").addresses.client(
    info?.remoteAddr?.hostname,
    c.req.header("x-forwarded-for"),
  );
}

/** The client's own address (for the metrics allow-list). */
export function clientAddress(c: Ctx): string {
  const info = c.env as Deno.ServeHandlerInfo<Deno.NetAddr> | undefined;
  return c.get("deps").addresses.clientAddress(
    info?.remoteAddr?.hostname,
    c.req.header("x-forwarded-for"),
  );
}

// Guards that pass on hand back next()'s promise instead of wrapping it in
// another async layer (every vote goes through all of them).

/**
 * A second layer beside the token: a browser says where a request comes from.
 * `Origin`, when sent, must be this site's; `Sec-Fetch-Site: cross-site` is
 * refused. Scripts that send neither still pass on a valid token.
 */
const sameOrigin: Middleware = (c, next) => {
  if (c.get("deps").config.skipCsrf) return next();
  if (!fromThisSite(c)) {
    return Promise.resolve(errorPage(c, 403, "forbidden", "Cross-site form posts are refused."));
  }
  // A browser without a signed cookie cannot hold a token: refuse before anything costs.
  if (!c.get("knownVoter")) return Promise.resolve(errorPage(c, 403, "forbidden", CSRF_MESSAGE));
  return next();
};

/** Neither `Sec-Fetch-Site: cross-site` nor another site's `Origin`. */
export function fromThisSite(c: Ctx): boolean {
  const origin = c.req.header("origin");
  if (c.req.header("sec-fetch-site") === "cross-site") return false;
  return origin === undefined || isOwnOrigin(c, origin);
}

function isOwnOrigin(c: Ctx, origin: string): boolean {
  const publicUrl = c.get("deps").config.publicUrl;
  if (publicUrl) return origin === publicUrl.origin;
  const host = c.req.header("host");
  // The common case needs no URL parse: an origin is exactly scheme://host.
  if (host !== undefined && (origin === `https://${host}` || origin === `http://${host}`)) {
    return true;
  }
  try {
    // Without OPONN_PUBLIC_URL the scheme is unknown behind a TLS proxy: compare the host.
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

const csrfToken: Middleware = (c, next) => {
  if (c.get("deps").config.skipCsrf) return next();
  const sent = c.req.header(CSRF_FIELD);
  // Only a form without the header has its body read for the token.
  if (sent === undefined && isFormType(c)) {
    return sentToken(c).then((token) => checkToken(c, next, token));
  }
  return checkToken(c, next, sent);
};

/** The CSRF token sent with this request, in the header or the form. */
export async function sentToken(c: Ctx): Promise<string | undefined> {
  const sent = c.req.header(CSRF_FIELD);
  if (sent !== undefined || !isFormType(c)) return sent;
  return field(await readForm(c), CSRF_FIELD) || undefined;
}

function checkToken(
  c: Ctx,
  next: () => Promise<void>,
  sent: string | undefined,
): Promise<Response | void> {
  if (!c.get("deps").identity.validToken(c.get("voterId"), sent)) {
    return Promise.resolve(errorPage(c, 403, "forbidden", CSRF_MESSAGE));
  }
  return next();
}

const LIMIT_WORDS: Record<LimitedAction, string> = {
  vote: "votes",
  create: "new ballots",
  write: "changes",
};

const LIMIT_COUNTERS = {
  vote: "votes_rate_limited_total",
  create: "creates_rate_limited_total",
  write: "writes_rate_limited_total",
} as const;

/**
 * Takes a token for this request (once: a decision already taken for it, by
 * the one-layer path in `_one_layer.ts`, stands).
 */
export async function takeToken(
  c: Ctx,
  action: LimitedAction,
  limiter: RateLimiter,
): Promise<Decision> {
  const taken = c.get("rateDecision");
  if (taken) return taken;
  const address = clientKey(c);
  // Without a browser identity (the JSON API), the address stands for the session too.
  const session = c.get("voterId") ?? `address:${address}`;
  const decision = await limiter.check(action, { session, address });
  c.set("rateDecision", decision);
  return decision;
}

function rateLimit(action: LimitedAction): Middleware {
  const limited = async (c: Ctx, next: () => Promise<void>, limiter: RateLimiter) => {
    const decision = await takeToken(c, action, limiter);
    if (decision.allowed) return await next();
    c.get("deps").metrics.inc(LIMIT_COUNTERS[action]);
    const wait = decision.retryAfterS === 1 ? "1 second" : `${decision.retryAfterS} seconds`;
    const response = errorPage(
      c,
      429,
      "too_many_requests",
      `Too many ${
        LIMIT_WORDS[action]
      } from this browser or network: nothing was recorded. Try again in ${wait}.`,
    );
    response.headers.set("Retry-After", String(decision.retryAfterS));
    return response;
  };
  return (c, next) => {
    const limiter = c.get("deps").limits?.requests;
    return limiter ? limited(c, next, limiter) : next();
  };
}
