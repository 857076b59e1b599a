import type { ComponentChildren } from "preact";
import { type Preview, SITE_DESCRIPTION } from "../lib/share/preview.ts";
import type { Theme } from "../lib/theme.ts";
import ThemeToggle from "../islands/ThemeToggle.tsx";
import { Island } from "./Island.tsx";

export interface Assets {
  css: string;
  htmx: string;
  sse: string;
  app: string;
}

export interface LayoutProps {
  title: string;
  csrfToken: string;
  assets: Assets;
  /** The request's path: its nav link is marked as the current page. */
  path?: string;
  /** Link-preview metadata; the page's title and the site's sentence when absent. */
  preview?: Preview;
  /** The reader's chosen theme (from its cookie); none follows the system. */
  theme?: Theme | null;
  children: ComponentChildren;
}

const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  historyCacheSize: 0,
  // htmx 2 swaps no 4xx/5xx by default, so a refused POST (403 CSRF, 413, 429,
  // 503) would look like nothing happened. Their bodies are message fragments:
  // show them in place of the page's content, as the plain POST would.
  responseHandling: [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "[45]..", swap: true, error: true, target: "#main", swapOverride: "innerHTML" },
  ],
});

export function Layout(
  { title, csrfToken, assets, path, preview, theme = null, children }: LayoutProps,
) {
  return (
    <html lang="en" data-theme={theme ?? undefined}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content={theme ?? "dark light"} />
        <meta name="htmx-config" content={HTMX_CONFIG} />
        <title>{`${title} · oponn`}</title>
        {/* Link previews: the page's title (a ballot's question), never a count. */}
        <meta name="description" content={preview?.description ?? SITE_DESCRIPTION} />
        <meta property="og:type" content="website" />
        <meta property="og:site_name" content="oponn" />
        <meta property="og:title" content={preview?.title ?? title} />
        <meta property="og:description" content={preview?.description ?? SITE_DESCRIPTION} />
        {preview?.url && <meta property="og:url" content={preview.url} />}
        <meta name="twitter:card" content="summary" />
        <meta name="twitter:title" content={preview?.title ?? title} />
        <meta name="twitter:description" content={preview?.description ?? SITE_DESCRIPTION} />
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href={assets.css} />
        <script src={assets.htmx} defer></script>
        <script src={assets.sse} defer></script>
        <script src={assets.app} defer></script>
      </head>
      <body hx-headers={JSON.stringify({ "X-CSRF-Token": csrfToken })}>
        <a class="skip-link" href="#main">skip_to_content</a>
        <header class="topbar">
          <a class="brand" href="/">
            oponn<span class="cursor" aria-hidden="true">_</span>
          </a>
          <nav aria-label="main">
            <a href="/" aria-current={path === "/" ? "page" : undefined}>ballots</a>
            <a href="/create" aria-current={path === "/create" ? "page" : undefined}>new_ballot</a>
          </nav>
          <Island component={ThemeToggle} props={{ theme }} />
        </header>
        <main id="main">{children}</main>
        <footer class="footer">
          <span>oponn · real_time_ballots</span>
        </footer>
      </body>
    </html>
  );
}
