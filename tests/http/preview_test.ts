/** SPEC section 9: pages carry link-preview metadata, and it never carries a count. */
import { assert, assertStringIncludes } from "../_support/assert.ts";
import { Client } from "../_support/client.ts";
import { startTestServer } from "../_support/server.ts";

Deno.test("vote and results pages carry the question as link-preview metadata, never a count", async () => {
  const server = await startTestServer();
  try {
    const client = new Client(server.url);
    const id = await client.createBallot({
      measure: "Where <do> we eat?",
      options_raw: "tacos, pizza",
      results_visibility: "after_close",
    });
    const vote = await client.post(`/vote/${id}`, { option: "tacos" });
    await vote.body?.cancel();
    for (const path of [`/vote/${id}`, `/results/${id}`]) {
      const html = await (await new Client(server.url).get(path)).text();
      const head = html.slice(0, html.indexOf("</head>"));
      assertStringIncludes(head, 'property="og:title" content="');
      assertStringIncludes(head, "Where &lt;do> we eat?");
      assertStringIncludes(head, 'name="description"');
      assert(!/data-count|tacos/.test(head), `${path}: no option or count in the preview`);
    }
  } finally {
    await server.close();
  }
});
