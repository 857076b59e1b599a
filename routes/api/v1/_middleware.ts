/**
 * The JSON API's frame: every answer under `/api/v1` is JSON. An answer the
 * shared machinery made for pages (router 404, rate limit, database error) is
 * re-made as an API error; reads may be fetched from any origin, since they
 * carry no cookie (writes stay same-origin for browsers: see README, API).
 */
import { fromHtmlError } from "../../../lib/api/errors.ts";
import type { Middleware } from "../../_context.ts";

const apiAnswers: Middleware = async (c, next) => {
  await next();
  const answer = c.res;
  if (answer.status >= 400 && answer.headers.get("content-type")?.startsWith("text/html")) {
    await answer.body?.cancel();
    // Cleared first so none of the page's headers (its length among them) carry over.
    c.res = undefined;
    c.res = fromHtmlError(answer.status, answer.headers.get("retry-after"));
  }
  if (c.req.method === "GET") c.res.headers.set("Access-Control-Allow-Origin", "*");
};

export const middleware: Middleware[] = [apiAnswers];
