/**
 * `/embed/{id}` (SPEC section 9): a compact live results widget that only the
 * origins in OPONN_EMBED_ORIGINS may frame; every other page, and the widget
 * itself without the variable, keeps `frame-ancestors 'none'`.
 */
import { createHash } from "node:crypto";
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotIncludes,
  assertStringIncludes,
} from "../_support/assert.ts";
import { Client, unescapeHtml as unescape } from "../_support/client.ts";
import { startTestServer } from "../_support/server.ts";

function directive(csp: string | null, name: string): string | undefined {
  return csp?.split(";").map((part) => part.trim()).find((part) => part.startsWith(`${name} `));
}

Deno.test({
  name: "embed: framed only by OPONN_EMBED_ORIGINS; every other page keeps frame-ancestors 'none'",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const origins = "https://slides.example https://intranet.example:8443";
    const envs: Record<string, string>[] = [{}, { OPONN_EMBED_ORIGINS: origins }];
    for (const env of envs) {
      const server = await startTestServer(env);
      try {
        const client = new Client(server.url);
        const id = await client.createBallot({ measure: "Lunch?", options_raw: "tacos, pizza" });
        const vote = await client.post(`/vote/${id}`, { option: "tacos" });
        await vote.body?.cancel();

        const embed = await fetch(`${server.url}/embed/${id}`);
        const html = await embed.text();
        assertEquals(embed.status, 200);
        const csp = embed.headers.get("content-security-policy");
        if ("OPONN_EMBED_ORIGINS" in env) {
          assertEquals(directive(csp, "frame-ancestors"), `frame-ancestors ${origins}`);
          assertEquals(embed.headers.get("x-frame-options"), null, "no DENY beside the allow-list");
        } else {
          assertEquals(directive(csp, "frame-ancestors"), "frame-ancestors 'none'");
          assertEquals(embed.headers.get("x-frame-options"), "DENY");
        }
        assertEquals(directive(csp, "script-src"), "script-src 'self'", "still no inline script");

        // The widget: live results, light and dark, its one inline style allowed by its hash.
        assertStringIncludes(html, `sse-connect="/ballots/${id}/live-results"`);
        assertStringIncludes(html, 'data-option="tacos" data-count="1"');
        assertStringIncludes(html, 'content="light dark"');
        const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1];
        assert(style, "an inline style");
        // Light or dark from the shared stylesheet's themes (no theme cookie reaches a frame).
        const css = /<link rel="stylesheet" href="([^"]+)"/.exec(html)?.[1];
        assert(css, "the stylesheet");
        const sheet = await (await fetch(new URL(css, server.url))).text();
        assertStringIncludes(sheet, "@media (prefers-color-scheme: light)");
        const hash = createHash("sha256").update(style).digest("base64");
        assertStringIncludes(directive(csp, "style-src") ?? "", `'sha256-${hash}'`);
        assertNotIncludes(csp ?? "", "unsafe-inline");
        assertNotIncludes(html, "<nav", "compact: no site chrome");

        for (const path of ["/", `/vote/${id}`, `/results/${id}`, "/create"]) {
          const page = await client.get(path);
          await page.body?.cancel();
          assertEquals(
            directive(page.headers.get("content-security-policy"), "frame-ancestors"),
            "frame-ancestors 'none'",
            `${path} is never framed`,
          );
          assertEquals(page.headers.get("x-frame-options"), "DENY", path);
        }
        const missing = await fetch(`${server.url}/embed/AAAAAAAAAAAAAAAA`);
        await missing.body?.cancel();
        assertEquals(missing.status, 404);
      } finally {
        await server.close();
      }
    }
  },
});

Deno.test({
  name: "embed: hidden results stay hidden in the widget; the manage page offers the snippet",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startTestServer();
    try {
      const owner = new Client(server.url);
      const id = await owner.createBallot({
        measure: 'Say "hi" <b>',
        options_raw: "tacos, pizza",
        results_visibility: "after_close",
      });
      const stranger = await fetch(`${server.url}/embed/${id}`);
      const html = await stranger.text();
      assertStringIncludes(html, "results_hidden");
      assertNotIncludes(html, "data-count=", "no count while hidden");

      const vote = await (await owner.get(`/vote/${id}`)).text();
      const anchor = /<a[^>]*data-manage-link[^>]*>/.exec(vote)?.[0];
      const link = anchor && /href="([^"]+)"/.exec(anchor)?.[1];
      assert(link, "the manage link");
      const manage = await (await owner.get(new URL(unescape(link)).pathname)).text();
      const snippet = /<textarea[^>]*data-embed-snippet[^>]*>([^<]*)<\/textarea>/.exec(manage)?.[1];
      assert(snippet, "the manage page shows the snippet");
      const iframe = unescape(snippet);
      assertMatch(iframe, new RegExp(`^<iframe src="http://127\\.0\\.0\\.1:\\d+/embed/${id}" `));
      assertStringIncludes(iframe, 'title="Say &#34;hi&#34; &#60;b&#62;: live results"');
      assertStringIncludes(manage, 'data-copy="#embed-snippet"');
    } finally {
      await server.close();
    }
  },
});
