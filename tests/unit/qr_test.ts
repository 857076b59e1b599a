/**
 * The share box's QR code: painted by a real SVG renderer (resvg) and read by a QR
 * decoder (jsQR), it must give back the vote link; no link can break out of its markup.
 */
import { createRequire } from "node:module";
import { initWasm, Resvg } from "@resvg/resvg-wasm";
import jsqr from "jsqr";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import { ShareBox } from "../../components/ShareBox.tsx";
import { QR_CACHE_LIMIT, QR_LABEL, qrCacheSize, qrSvg } from "../../lib/share/qr.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotIncludes,
  assertStringIncludes,
} from "../_support/assert.ts";
import { Client } from "../_support/client.ts";
import { startTestServer } from "../_support/server.ts";

const wasm = createRequire(import.meta.url).resolve("@resvg/resvg-wasm/index_bg.wasm");
await initWasm(await Deno.readFile(wasm));
// jsqr is CommonJS (`module.exports = jsQR`) typed as an ES default export: Deno's types see
// the function one level down.
const jsQR = jsqr as unknown as typeof jsqr.default;

/** Paints the SVG at 6 pixels a module and decodes it; undefined when nothing scans. */
function scan(svg: string): string | undefined {
  // jsQR misreads some codes at fractional pixels per module (a 65-module code at 300 px).
  const modules = Number(/viewBox="\S+ \S+ (\d+) /.exec(svg)?.[1]);
  assert(modules > 0, "the SVG has a viewBox");
  const image = new Resvg(svg, { fitTo: { mode: "width", value: modules * 6 } }).render();
  // Many phone scanners read only dark-on-light codes: so does this one.
  const found = jsQR(new Uint8ClampedArray(image.pixels), image.width, image.height, {
    inversionAttempts: "dontInvert",
  });
  return found?.data;
}

function svgIn(html: string): string {
  const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
  assertEquals(svgs.length, 1, "one SVG in the share box");
  return svgs[0]!;
}

const LINKS = [
  "http://127.0.0.1:8000/vote/0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d",
  "https://polls.example.org/vote/kX9_rT2q",
  `https://${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.example:8443/vote/` +
  "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d",
];

Deno.test("the share box's QR code scans to the vote link", () => {
  for (const link of LINKS) {
    const html = renderToString(h(ShareBox, { url: link }));
    assertEquals(scan(svgIn(html)), link, `QR code of ${link}`);
  }
});

Deno.test("the QR code is labelled, sized by a class, and carries no inline style", () => {
  const svg = qrSvg(LINKS[0]);
  assertMatch(svg, /^<svg class="qr-code" role="img" aria-label="QR code for the vote link" /);
  assertEquals(QR_LABEL, "QR code for the vote link");
  // `style-src 'self'` blocks style attributes and <style> elements; presentation attributes pass.
  assertNotIncludes(svg, "style");
  assertMatch(svg, /<rect [^>]*fill="#ffffff"/, "a light tile behind the modules");
  assertMatch(svg, /<path [^>]*fill="#131314"/, "dark modules");
});

Deno.test('a link with <, " and & cannot break out of the QR markup', () => {
  const hostile = `https://h.test/vote/x?a="><script>alert(1)</script>&b=<img src=x onerror=y>'`;
  const svg = qrSvg(hostile);
  assertNotIncludes(svg, "<script");
  assertNotIncludes(svg, "onerror");
  assertNotIncludes(svg, "h.test", "the link is not written into the markup at all");
  const tags = [...svg.matchAll(/<\/?([a-z]+)/g)].map((match) => match[0]);
  assertEquals(tags, ["<svg", "<rect", "</rect", "<path", "</path", "</svg"]);
  assertEquals(scan(svg), hostile, "the link survives as modules, not as text");

  const html = renderToString(h(ShareBox, { url: hostile }));
  assertEquals(html.match(/<svg/g)?.length, 1);
  assertEquals(html.match(/<script/g), null);
  assertStringIncludes(html, 'value="https://h.test/vote/x?a=&quot;>&lt;script>');
});

Deno.test("QR codes are cached per link, and the cache stays bounded", () => {
  const first = "https://cache.test/vote/first";
  const svg = qrSvg(first);
  assertEquals(qrSvg(first), svg);
  for (let i = 0; i <= QR_CACHE_LIMIT; i++) qrSvg(`https://cache.test/vote/${i}`);
  assertEquals(qrCacheSize(), QR_CACHE_LIMIT);
  assertEquals(scan(qrSvg(first)), first, "an evicted link is encoded again, correctly");
});

Deno.test("the vote and results pages show a QR code of the vote link", async () => {
  const server = await startTestServer();
  try {
    const client = new Client(server.url);
    const id = await client.createBallot({ measure: "Where to meet", options_raw: "park, cafe" });
    const link = `${server.url}/vote/${id}`;
    for (const path of [`/vote/${id}`, `/results/${id}`]) {
      const response = await client.get(path);
      assertEquals(response.status, 200, path);
      const html = await response.text();
      assert(html.includes(`value="${link}"`), `${path} shows the link as text`);
      assertEquals(scan(svgIn(html)), link, `${path}'s QR code`);
    }
  } finally {
    await server.close();
  }
});
