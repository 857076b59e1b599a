/** One way to answer with HTML: a whole page, or for HTMX the fragment alone. */
import type { VNode } from "preact";
import { getCookie } from "hono/cookie";
import { renderToString } from "preact-render-to-string";
import { ErrorPage } from "../components/ErrorPage.tsx";
import { Layout } from "../components/Layout.tsx";
import type { Preview } from "../lib/share/preview.ts";
import { parseTheme, THEME_COOKIE } from "../lib/theme.ts";
import type { Ctx } from "./_context.ts";

export function isHtmx(c: Ctx): boolean {
  return c.req.header("hx-request") === "true";
}

/** A whole page; `preview` is what link previews show of it (a ballot's question). */
export function page(
  c: Ctx,
  title: string,
  body: VNode,
  status = 200,
  preview?: Preview,
): Response {
  const { assets } = c.get("deps");
  // The reader's theme comes with the page, so a chosen light theme shows from the first paint.
  const theme = parseTheme(getCookie(c, THEME_COOKIE));
  const html = renderToString(
    <Layout
      title={title}
      csrfToken={c.get("csrfToken")}
      assets={assets}
      path={c.req.path}
      preview={preview}
      theme={theme}
    >
      {body}
    </Layout>,
  );
  return c.html(`<!doctype html>${html}`, status as 200);
}

export function fragment(c: Ctx, body: VNode, status = 200): Response {
  return c.html(renderToString(body), status as 200);
}

/** The fragment for HTMX, the whole page otherwise. */
export function pageOrFragment(
  c: Ctx,
  title: string,
  body: VNode,
  status: { page: number; fragment: number } = { page: 200, fragment: 200 },
): Response {
  return isHtmx(c) ? fragment(c, body, status.fragment) : page(c, title, body, status.page);
}

/** After a successful POST: `204` + `HX-Redirect` for HTMX, `303` otherwise. */
export function redirectAfterPost(c: Ctx, location: string): Response {
  // Through the context, so cookies set while handling the request go with it.
  if (isHtmx(c)) return c.body(null, 204, { "HX-Redirect": location });
  return c.body(null, 303, { Location: location });
}

/** A message page with its status; for HTMX the message block alone. */
export function errorPage(c: Ctx, status: number, title: string, message: string): Response {
  const body = <ErrorPage status={status} title={title} message={message} />;
  return pageOrFragment(c, title, body, { page: status, fragment: status });
}
