/**
 * What a page gives before any script runs: the nav marks the current page for
 * assistive technology, and the share box offers a selectable link with no
 * button that could not work (copy and share are revealed by scripts only).
 */
import { assert, assertEquals, assertMatch } from "../_support/assert.ts";
import { Client } from "../_support/client.ts";
import { startTestServer } from "../_support/server.ts";

function navLinks(html: string): Record<string, string | null> {
  const nav = /<nav aria-label="main">([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? "";
  const links: Record<string, string | null> = {};
  for (const [tag, href] of nav.matchAll(/<a [^>]*?href="([^"]*)"[^>]*>/g)) {
    links[href] = /aria-current="([^"]*)"/.exec(tag)?.[1] ?? null;
  }
  return links;
}

Deno.test("the nav marks the current page with aria-current, and only that one", async () => {
  const server = await startTestServer();
  try {
    const client = new Client(server.url);
    const id = await client.createBallot({ measure: "Which nav?", options_raw: "a, b" });
    assertEquals(navLinks(await client.open("/")), { "/": "page", "/create": null });
    assertEquals(navLinks(await client.open("/create")), { "/": null, "/create": "page" });
    assertEquals(navLinks(await client.open(`/vote/${id}`)), { "/": null, "/create": null });
    assertEquals(navLinks(await client.open(`/results/${id}`)), { "/": null, "/create": null });
  } finally {
    await server.close();
  }
});

Deno.test("the share box without scripts: a read-only link, the copy button hidden, no share button", async () => {
  const server = await startTestServer();
  try {
    const client = new Client(server.url);
    const id = await client.createBallot({ measure: "Share me?", options_raw: "a, b" });
    for (const path of [`/vote/${id}`, `/results/${id}`]) {
      const html = await client.open(path);
      const box = /<div class="share">([\s\S]*?)<div class="share-qr"/.exec(html)?.[1] ?? "";
      assertMatch(box, /<input id="share-url" type="text" readonly value="[^"]*\/vote\//);
      assertMatch(box, /<button type="button" class="btn" data-copy="#share-url" hidden>copy/);
      assert(!box.includes("data-share"), `${path}: no share button before a script finds one`);
      assertMatch(box, /data-island="ShareButton" data-props="[^"]*Share me\?/);
    }
  } finally {
    await server.close();
  }
});
