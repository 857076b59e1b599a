import type { ComponentChildren } from "preact";

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
  children: ComponentChildren;
}

const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  historyCacheSize: 0,
});

export function Layout({ title, csrfToken, assets, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="dark" />
        <meta name="htmx-config" content={HTMX_CONFIG} />
        <title>{`${title} · oponn`}</title>
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
            <a href="/">ballots</a>
            <a href="/create">new_ballot</a>
          </nav>
        </header>
        <main id="main">{children}</main>
        <footer class="footer">
          <span>oponn · live ballots</span>
        </footer>
      </body>
    </html>
  );
}
