/**
 * Builds the browser's script from islands/ with esbuild: every
 * `islands/Name.tsx` (a Preact component, default export) is registered for
 * hydration under its file name, beside islands/app.js (the plain page
 * behaviours). Files starting with `_` are helpers, not islands. Preact comes
 * from the npm package; one minified script, no CDN.
 *
 * Built at start. The last build is kept with the list of files it read, and
 * reused while none of them (nor the island list, nor deno.lock) changed:
 * loading esbuild and building costs ~0.5 s, checking the list ~5 ms.
 */
export interface IslandBundle {
  /** The script to serve. */
  code: Uint8Array;
  /** The island names it hydrates. */
  islands: string[];
  /** Whether it came from the kept build rather than esbuild. */
  cached: boolean;
}

export interface BuildOptions {
  /** Where to keep the last build; `null` to always build. */
  cacheFile?: URL | null;
}

interface KeptBuild {
  key: string;
  /** Absolute paths of every file the build read. */
  inputs: string[];
  code: string;
}

const ROOT = new URL("../../", import.meta.url);
const DEFAULT_CACHE = new URL("node_modules/.cache/oponn/islands.json", ROOT);
const LOCKFILE = new URL("deno.lock", ROOT);
const ISLAND_FILE = /^([A-Z][A-Za-z0-9]*)\.tsx$/;
const ENTRY_NAME = "islands.entry.ts";
let building = 0;

const ESBUILD_OPTIONS = {
  bundle: true,
  write: false,
  metafile: true,
  format: "iife",
  platform: "browser",
  target: "es2022",
  minify: true,
  legalComments: "none",
  jsx: "automatic",
  jsxImportSource: "preact",
  logLevel: "silent",
} as const;

export async function islandNames(dir: URL): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const match = entry.isFile ? ISLAND_FILE.exec(entry.name) : null;
    if (match) names.push(match[1]);
  }
  return names.sort();
}

/** The bundle's entry, written out: behaviours, then each island registered by name. */
export function entrySource(names: string[]): string {
  return [
    `import { defineIslands } from "./_runtime.ts";`,
    `import "./app.js";`,
    ...names.map((name, i) => `import island${i} from "./${name}.tsx";`),
    `defineIslands({ ${names.map((name, i) => `${name}: island${i}`).join(", ")} });`,
  ].join("\n");
}

export async function buildIslands(dir: URL, options: BuildOptions = {}): Promise<IslandBundle> {
  const cacheFile = options.cacheFile === undefined ? DEFAULT_CACHE : options.cacheFile;
  const islands = await islandNames(dir);
  const entry = entrySource(islands);
  const kept = cacheFile && await readKept(cacheFile);
  if (kept && kept.key === await buildKey(entry, kept.inputs)) {
    return { code: new TextEncoder().encode(kept.code), islands, cached: true };
  }
  const built = await runEsbuild(dir, entry);
  const key = cacheFile && await buildKey(entry, built.inputs);
  if (cacheFile && key) {
    await keep(cacheFile, {
      key,
      inputs: built.inputs,
      code: new TextDecoder().decode(built.code),
    });
  }
  return { code: built.code, islands, cached: false };
}

async function runEsbuild(
  dir: URL,
  entry: string,
): Promise<{ code: Uint8Array; inputs: string[] }> {
  const esbuild = await import("esbuild");
  const workingDir = decodeURIComponent(ROOT.pathname);
  building++;
  try {
    const result = await esbuild.build({
      ...ESBUILD_OPTIONS,
      absWorkingDir: workingDir,
      stdin: {
        contents: entry,
        resolveDir: decodeURIComponent(dir.pathname),
        sourcefile: ENTRY_NAME,
        loader: "ts",
      },
    });
    // The entry is in memory (and part of the key as text), not a file.
    const inputs = Object.keys(result.metafile.inputs)
      .map((path) => new URL(path, ROOT).pathname)
      .filter((path) => path !== new URL(ENTRY_NAME, dir).pathname);
    return { code: result.outputFiles[0].contents, inputs };
  } catch (error) {
    throw new Error(`The islands in ${dir.pathname} do not build: ${error}`);
  } finally {
    // esbuild runs as a child process: let the server (and tests) exit cleanly,
    // once no other build in this process still needs it.
    if (--building === 0) await esbuild.stop();
  }
}

/** A digest of everything the output depends on; `null` when an input is gone. */
async function buildKey(entry: string, inputs: string[]): Promise<string | null> {
  const parts: string[] = [JSON.stringify(ESBUILD_OPTIONS), entry];
  for (const path of [LOCKFILE.pathname, ...inputs]) {
    try {
      parts.push(path, await sha256(await Deno.readFile(path)));
    } catch {
      return null;
    }
  }
  return sha256(new TextEncoder().encode(parts.join("\n")));
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function readKept(file: URL): Promise<KeptBuild | null> {
  try {
    const kept = JSON.parse(await Deno.readTextFile(file));
    const valid = typeof kept?.key === "string" && typeof kept.code === "string" &&
      Array.isArray(kept.inputs) && kept.inputs.every((path: unknown) => typeof path === "string");
    return valid ? kept : null;
  } catch {
    return null;
  }
}

/** Best effort (a read-only install just builds each time); a rename so parallel starts never read half a file. */
async function keep(file: URL, build: KeptBuild): Promise<void> {
  const temporary = new URL(`${file.href}.${crypto.randomUUID()}.tmp`);
  try {
    await Deno.mkdir(new URL(".", file), { recursive: true });
    await Deno.writeTextFile(temporary, JSON.stringify(build));
    await Deno.rename(temporary, file);
  } catch {
    await Deno.remove(temporary).catch(() => {});
  }
}
