/**
 * The embeddable results widget: the measure, its live status and results,
 * and a link out to vote. Light or dark as the visitor's system prefers (the
 * stylesheet's themes; a framed page gets no theme cookie). Its
 * one inline style is allowed by hash (`EMBED_STYLE_HASH`), so the CSP keeps
 * `'unsafe-inline'` out.
 */
import { createHash } from "node:crypto";
import type { Ballot } from "../lib/ballots/types.ts";
import type { Tally } from "../lib/results/tally.ts";
import type { Turnout } from "../lib/live/snapshots.ts";
import type { Assets } from "./Layout.tsx";
import { LiveResults } from "./LiveResults.tsx";
import { Status } from "./Status.tsx";

const EMBED_STYLE = `
html { background: var(--bg); }
body.embed { min-height: 0; display: block; }
body.embed main { padding: 0; max-width: none; }
.embed-card { padding: var(--space-3) var(--space-4); }
.embed-card .measure { font-size: 1.05rem; margin: 0 0 var(--space-1); }
.embed-card .status-line { margin: 0 0 var(--space-3); }
.embed-card .result-rows { gap: var(--space-2); }
.embed-foot { margin: var(--space-3) 0 0; font-size: 0.85rem; display: flex; justify-content: space-between; gap: var(--space-3); }
`;

/** htmx's own indicator `<style>` would break the CSP; nothing here evaluates script either. */
const EMBED_HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
});

/** For the page's `style-src`. */
export const EMBED_STYLE_HASH = `'sha256-${
  createHash("sha256").update(EMBED_STYLE).digest("base64")
}'`;

export interface EmbedPageProps {
  ballot: Ballot;
  now: Date;
  turnout: Turnout;
  tally?: Tally;
  hiddenReason?: string;
  voteUrl: string;
  assets: Assets;
}

export function EmbedPage(props: EmbedPageProps) {
  const { ballot, now, turnout, tally, hiddenReason, voteUrl, assets } = props;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <meta name="htmx-config" content={EMBED_HTMX_CONFIG} />
        <title>{`${ballot.measure} · oponn`}</title>
        <link rel="stylesheet" href={assets.css} />
        <style dangerouslySetInnerHTML={{ __html: EMBED_STYLE }} />
        <script src={assets.htmx} defer></script>
        <script src={assets.sse} defer></script>
        <script src={assets.app} defer></script>
      </head>
      <body class="embed">
        <main>
          <section
            class="embed-card"
            aria-labelledby="embed-heading"
            hx-ext="sse"
            sse-connect={`/ballots/${ballot.id}/live-results`}
          >
            <h1 id="embed-heading" class="prompt measure" dir="auto">
              {ballot.measure}
            </h1>
            <p class="status-line" sse-swap="status" hx-target="this" hx-swap="innerHTML">
              <Status ballot={ballot} now={now} />
            </p>
            <LiveResults
              ballot={ballot}
              tally={tally}
              turnout={turnout}
              hiddenReason={hiddenReason}
              now={now}
              refresh={`/embed/${ballot.id}`}
            />
            <p class="embed-foot">
              <a href={voteUrl} target="_blank" rel="noopener">vote_on_oponn</a>
            </p>
          </section>
        </main>
      </body>
    </html>
  );
}
