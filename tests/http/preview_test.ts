/** SPEC section 9: pages carry link-preview metadata, and it never carries a count. */
import { assert, assertEquals, assertStringIncludes } from "../_support/assert.ts";
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

Deno.test("a ballot's preview: its question as the title, its option count, its own link; elsewhere the site's", async () => {
  const server = await startTestServer();
  try {
    const client = new Client(server.url);
    const id = await client.createBallot({
      measure: "Tea & biscuits?",
      options_raw: "yes, no, later",
      results_visibility: "after_close",
    });
    const meta = (head: string, key: string) =>
      new RegExp(`<meta (?:name|property)="${key}" content="([^"]*)"`).exec(head)?.[1];
    for (const path of [`/vote/${id}`, `/results/${id}`]) {
      const html = await (await new Client(server.url).get(path)).text();
      const head = html.slice(0, html.indexOf("</head>"));
      assertEquals(meta(head, "og:title"), "Tea &amp; biscuits?", `${path}: the question alone`);
      assertEquals(meta(head, "twitter:title"), "Tea &amp; biscuits?");
      assertEquals(meta(head, "twitter:card"), "summary");
      const description = meta(head, "description") ?? "";
      assertStringIncludes(description, "with 3 options");
      assertEquals(meta(head, "og:description"), description);
      assertEquals(meta(head, "twitter:description"), description);
      assertEquals(meta(head, "og:url"), `${server.url}${path}`);
      assert(!/\bvotes?\b.*\d|turnout/.test(description), "no count in the sentence");
    }
    const home = await (await client.get("/")).text();
    const head = home.slice(0, home.indexOf("</head>"));
    const title = /<title>(.*) · oponn<\/title>/.exec(head)?.[1];
    assertEquals(meta(head, "og:title"), title, "the page's own title");
    assertStringIncludes(meta(head, "description") ?? "", "A live ballot on oponn");
    assertEquals(meta(head, "og:url"), undefined, "no canonical link claimed for the list");
  } finally {
    await server.close();
  }
});
