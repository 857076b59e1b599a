/**
 * `GET /embed/:id`: the live results widget for other sites' pages. Only the
 * origins in OPONN_EMBED_ORIGINS may frame it (its own `frame-ancestors`);
 * without them it is `'none'`, like every other page.
 */
import { renderToString } from "preact-render-to-string";
import { EMBED_STYLE_HASH, EmbedPage } from "../../components/EmbedPage.tsx";
import type { Handlers } from "../_context.ts";
import { cspWith } from "../_middleware.ts";
import { visibilityOf } from "../_reader.ts";
import { publicUrl } from "../_urls.ts";
import notFound from "../_404.tsx";

export const handlers: Handlers = {
  async GET(c) {
    const { oponn, assets, config } = c.get("deps");
    const ballot = await oponn.getBallot(c.req.param("id")!);
    if (!ballot) return notFound(c);
    const visibility = visibilityOf(c, ballot);
    const results = await oponn.readResults(ballot.id, visibility.shown);
    if (!results) return notFound(c);
    const html = renderToString(
      <EmbedPage
        ballot={ballot}
        now={oponn.now()}
        turnout={results.turnout}
        tally={results.tally}
        hiddenReason={visibility.shown ? undefined : visibility.reason}
        voteUrl={publicUrl(c, `/vote/${ballot.id}`)}
        assets={assets}
      />,
    );
    const framers = config.embedOrigins.length > 0 ? config.embedOrigins.join(" ") : "'none'";
    return c.html(`<!doctype html>${html}`, 200, {
      "Content-Security-Policy": cspWith({
        "style-src": `'self' ${EMBED_STYLE_HASH}`,
        "frame-ancestors": framers,
      }),
    });
  },
};
