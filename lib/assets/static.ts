/**
 * Browser assets, read once at start: the project's `static/`, the islands
 * bundle built from `islands/` (served as `/islands/app.js`) and the vendor
 * scripts from their npm packages (no CDN). Each gets a content-hashed URL so
 * it can be cached for good.
 */
import { buildIslands } from "./islands.ts";

export interface StaticAsset {
  body: Uint8Array;
  contentType: string;
  /** URL with a content hash, for pages to link. */
  href: string;
}

const ROOT = new URL("../../", import.meta.url);

const TYPES: Record<string, string> = {
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  txt: "text/plain; charset=utf-8",
};

const VENDOR: Record<string, string> = {
  "/vendor/htmx.min.js": "node_modules/htmx.org/dist/htmx.min.js",
  "/vendor/sse.min.js": "node_modules/htmx-ext-sse/dist/sse.min.js",
};

/** The islands bundle's URL path (islands/app.js, the page behaviours, is one of its inputs). */
export const ISLANDS_PATH = "/islands/app.js";

export async function loadStaticAssets(): Promise<Map<string, StaticAsset>> {
  const files = new Map<string, string>(Object.entries(VENDOR));
  for await (const entry of Deno.readDir(new URL("static/", ROOT))) {
    if (entry.isFile) files.set(`/static/${entry.name}`, `static/${entry.name}`);
  }
  const assets = new Map<string, StaticAsset>();
  for (const [path, file] of files) {
    let body: Uint8Array;
    try {
      body = await Deno.readFile(new URL(file, ROOT));
    } catch (error) {
      throw new Error(`Asset "${file}" is missing (run \`deno install\`): ${error}`);
    }
    assets.set(path, await hashedAsset(path, body));
  }
  const islands = await buildIslands(new URL("islands/", ROOT));
  assets.set(ISLANDS_PATH, await hashedAsset(ISLANDS_PATH, islands.code));
  return assets;
}

async function hashedAsset(path: string, body: Uint8Array): Promise<StaticAsset> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body as BufferSource));
  const hash = Array.from(digest.slice(0, 6), (b) => b.toString(16).padStart(2, "0")).join("");
  const ext = path.slice(path.lastIndexOf(".") + 1);
  return { body, contentType: TYPES[ext] ?? "application/octet-stream", href: `${path}?v=${hash}` };
}
