/**
 * Browser assets, read once at start: the project's `static/` and `islands/`
 * and the vendor scripts from their npm packages (no CDN). Each gets a
 * content-hashed URL so it can be cached for good.
 */

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

export async function loadStaticAssets(): Promise<Map<string, StaticAsset>> {
  const files = new Map<string, string>(Object.entries(VENDOR));
  for (const dir of ["static", "islands"]) {
    for await (const entry of Deno.readDir(new URL(`${dir}/`, ROOT))) {
      if (entry.isFile) files.set(`/${dir}/${entry.name}`, `${dir}/${entry.name}`);
    }
  }
  const assets = new Map<string, StaticAsset>();
  for (const [path, file] of files) {
    let body: Uint8Array;
    try {
      body = await Deno.readFile(new URL(file, ROOT));
    } catch (error) {
      throw new Error(`Asset "${file}" is missing (run \`deno install\`): ${error}`);
    }
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body as BufferSource));
    const hash = Array.from(digest.slice(0, 6), (b) => b.toString(16).padStart(2, "0")).join("");
    const ext = path.slice(path.lastIndexOf(".") + 1);
    assets.set(path, {
      body,
      contentType: TYPES[ext] ?? "application/octet-stream",
      href: `${path}?v=${hash}`,
    });
  }
  return assets;
}
