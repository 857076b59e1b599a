/**
 * The API's error answers: `{"error": {"code", "message", "field"}}`, with the
 * messages the HTML shows for the same input. Plain `Response`s, so the global
 * middleware (body cap, Host check) can answer API paths in the same form.
 */
import type { VoteRefusal } from "../votes/rules.ts";
import type { ErrorJson } from "./schemas.ts";

export const API_PREFIX = "/api/";

export function isApiPath(path: string): boolean {
  return path.startsWith(API_PREFIX);
}

export interface FieldMessage {
  field: string;
  message: string;
}

export function apiError(
  status: number,
  code: string,
  message: string,
  field: string | null = null,
  options: { details?: FieldMessage[]; headers?: Record<string, string> } = {},
): Response {
  const body: ErrorJson = { error: { code, message, field } };
  if (options.details && options.details.length > 1) body.error.details = options.details;
  return Response.json(body, {
    status,
    headers: { "Cache-Control": "no-store", ...options.headers },
  });
}

export const NOT_FOUND_MESSAGE = "No ballot has this id.";

export function ballotNotFound(): Response {
  return apiError(404, "not_found", NOT_FOUND_MESSAGE);
}

/** Field errors from the form rules, first field first: the message of the first, all in `details`. */
export function fieldErrors(code: string, errors: FieldMessage[]): Response {
  const [first] = errors;
  return apiError(400, code, first.message, first.field, { details: errors });
}

const REFUSALS: Record<VoteRefusal["kind"], { status: number; code: string }> = {
  invalid: { status: 400, code: "invalid_vote" },
  closed: { status: 409, code: "ballot_not_open" },
  duplicate: { status: 409, code: "already_voted" },
  forbidden: { status: 403, code: "voter_code_refused" },
};

/** The vote rules' refusal, as the HTML's plain POST would answer it (400, 403 or 409). */
export function voteRefused(refusal: VoteRefusal): Response {
  const { status, code } = REFUSALS[refusal.kind];
  return apiError(status, code, refusal.message, refusal.field);
}

export const BROWSER_BALLOT_MESSAGE =
  "This ballot takes one vote per browser, so it takes votes only on its web page, not through the API.";

/**
 * What an answer made by the shared HTML machinery (router 404, rate limit,
 * error pages) means for an API client, by status. Only the status and
 * `Retry-After` are read from it: its words were written for a page.
 */
export function fromHtmlError(status: number, retryAfter: string | null): Response {
  const headers: Record<string, string> = retryAfter ? { "Retry-After": retryAfter } : {};
  switch (status) {
    case 404:
      return apiError(404, "not_found", "No API route lives at this address.", null, { headers });
    case 405:
      return apiError(405, "method_not_allowed", "This route does not take that method.");
    case 408:
      return apiError(408, "timeout", "The request body took too long to arrive.");
    case 413:
      return apiError(413, "too_large", "The request body is larger than 64 KiB.");
    case 429: {
      const wait = retryAfter === "1" ? "1 second" : `${retryAfter ?? "a few"} seconds`;
      return apiError(
        429,
        "too_many_requests",
        `Too many requests from this network: nothing was recorded. Try again in ${wait}.`,
        null,
        { headers },
      );
    }
    case 503:
      return apiError(
        503,
        "unavailable",
        "The database is unavailable right now, so this was not confirmed and most likely not saved. Try again in a moment.",
        null,
        { headers },
      );
    default:
      return status >= 500
        ? apiError(500, "internal_error", "Something went wrong on our side. Nothing was changed.")
        : apiError(status, "bad_request", "The request was refused.", null, { headers });
  }
}
