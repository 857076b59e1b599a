/**
 * The one-layer path, for a route whose rules say `oneLayer` (the vote POST,
 * which every vote takes). The global middleware (`_middleware.ts`) and the
 * route's guards (`_guards.ts`) run here as plain calls in one handler ahead
 * of the chain, instead of as seven layers of closures and promises. Each
 * check is the one the chain uses. Whenever one does not simply pass (a
 * malformed Host, a body without a declared length or over the cap, a browser
 * without a cookie this server signed, another site, a spent bucket, a
 * missing, wrong or unreadable token) the request goes on down the whole
 * chain, which answers it as it always has. A bucket's decision taken here
 * stands there: a request never takes two tokens.
 */
import { getCookie } from "hono/cookie";
import type { Ctx, Handler, Method, Middleware, RouteRules } from "./_context.ts";
import { fromThisSite, guardRules, sentToken, takeToken } from "./_guards.ts";
import {
  adoptVoter,
  identity,
  limitBody,
  secureResponse,
  securityHeaders,
  voterCookieName,
  wellFormed,
  wellFormedHost,
  withinBodyCap,
} from "./_middleware.ts";

/** The global middleware this path stands in for, in their order. */
export const REPLACED_MIDDLEWARE = [securityHeaders, wellFormedHost, limitBody, identity];

export function oneLayer(
  method: Method,
  rules: RouteRules,
  handler: Handler,
  answerError: (error: unknown, c: Ctx) => Response,
): Middleware {
  const { csrf, limit } = guardRules(method, rules);
  return async (c, next) => {
    const deps = c.get("deps");
    if (!wellFormed(c.req.header("host"))) return next();
    const declared = c.req.header("content-length");
    if (declared === undefined || !withinBodyCap(declared)) return next();
    const voterId = deps.identity.verify(getCookie(c, voterCookieName(c)));
    if (voterId === null) return next();
    adoptVoter(c, voterId, true);
    const checksToken = csrf && !deps.config.skipCsrf;
    if (checksToken && !fromThisSite(c)) return next();
    const limiter = limit ? deps.limits?.requests : undefined;
    if (limit && limiter) {
      // A limiter that fails is the chain's to answer (with the security headers).
      const decision = await takeToken(c, limit, limiter).catch(() => undefined);
      if (!decision?.allowed) return next();
    }
    if (checksToken) {
      const sent = await sentToken(c).catch(() => null);
      if (sent === null || !deps.identity.validToken(voterId, sent)) return next();
    }
    let response: Response;
    try {
      response = await handler(c);
    } catch (error) {
      response = answerError(error, c);
    }
    return secureResponse(c, response);
  };
}
