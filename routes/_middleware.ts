/** Applied to every request, in order: security headers, body cap, CSRF, rate limits. */
import { bodyLimit } from "hono/body-limit";
import { getCookie, setCookie } from "hono/cookie";
import { newCsrfToken, sameToken } from "../lib/identity/csrf.ts";
import { clientAddress, type LimitedAction } from "../lib/limits/rate_limit.ts";
import type { Ctx, Middleware } from "./_context.ts";
import { field, readForm } from "./_form.ts";
import { errorPage } from "./_render.tsx";

export const CSRF_COOKIE = "oponn_csrf_token";
export const CSRF_FIELD = "X-CSRF-Token";
const MAX_BODY_BYTES = 64 * 1024;

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

const securityHeaders: Middleware = async (c, next) => {
  await next();
  const headers = c.res.headers;
  headers.set("Content-Security-Policy", CSP);
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set("Referrer-Policy", "same-origin");
  headers.set("X-Frame-Options", "DENY");
  if (c.var.deps.config.env === "production") {
    headers.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  }
};

const limitBody: Middleware = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) =>
    errorPage(c as unknown as Ctx, 413, "too_large", "The form is larger than 64 KiB."),
});

const UNSAFE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Double-submit token: the cookie must match the form field or the `X-CSRF-Token` header. */
const csrf: Middleware = async (c, next) => {
  const { config } = c.var.deps;
  const cookie = getCookie(c, CSRF_COOKIE);
  const cookieValid = cookie !== undefined && /^[A-Za-z0-9_-]{43}$/.test(cookie);
  const token = cookieValid ? cookie : newCsrfToken();
  if (!cookieValid) {
    setCookie(c, CSRF_COOKIE, token, {
      path: "/",
      httpOnly: true,
      sameSite: "Lax",
      secure: config.env === "production",
    });
  }
  c.set("csrfToken", token);
  if (UNSAFE_METHODS.has(c.req.method) && !config.skipCsrf) {
    const sent = c.req.header(CSRF_FIELD) ?? await formToken(c);
    if (!cookieValid || !sent || !sameToken(token, sent)) {
      return errorPage(c, 403, "forbidden", "Invalid or Missing CSRF Token");
    }
  }
  await next();
};

async function formToken(c: Ctx): Promise<string | undefined> {
  try {
    return field(await readForm(c), CSRF_FIELD) || undefined;
  } catch {
    return undefined;
  }
}

/** The client's address: the TCP peer, or the load balancer's `X-Forwarded-For` entry. */
export function requestAddress(c: Ctx): string {
  const info = c.env as Deno.ServeHandlerInfo<Deno.NetAddr> | undefined;
  return clientAddress(info?.remoteAddr?.hostname, c.req.header("x-forwarded-for"));
}

function limitedAction(c: Ctx): LimitedAction | undefined {
  if (c.req.method !== "POST") return undefined;
  if (c.req.path === "/create") return "create";
  return c.req.path.startsWith("/vote/") ? "vote" : undefined;
}

/** Token buckets on the two writes, after CSRF so the session key is a cookie we issued. */
const rateLimit: Middleware = async (c, next) => {
  const limiter = c.var.deps.limits?.requests;
  const action = limiter && limitedAction(c);
  if (!action) return await next();
  const decision = await limiter.check(action, {
    session: c.var.csrfToken,
    address: requestAddress(c),
  });
  if (decision.allowed) return await next();
  c.var.deps.metrics.inc(
    action === "vote" ? "votes_rate_limited_total" : "creates_rate_limited_total",
  );
  const what = action === "vote" ? "votes" : "new ballots";
  const wait = decision.retryAfterS === 1 ? "1 second" : `${decision.retryAfterS} seconds`;
  const response = errorPage(
    c,
    429,
    "too_many_requests",
    `Too many ${what} from this browser or network: nothing was recorded. Try again in ${wait}.`,
  );
  response.headers.set("Retry-After", String(decision.retryAfterS));
  return response;
};

export const middleware: Middleware[] = [securityHeaders, limitBody, csrf, rateLimit];
