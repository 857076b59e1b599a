/**
 * The first run, as a newcomer meets it: `deno task start` (`deno run -A
 * main.ts`) with the embedded database prints no warning and ends with one
 * line naming a URL that answers; and what it installs (the whole of
 * deno.lock, as Deno installs every package a lockfile lists) holds none of
 * the test and bench tools.
 */
import { assert, assertEquals, assertMatch } from "../_support/assert.ts";

const ROOT = new URL("../../", import.meta.url);

/** Tools only tests and the bench use: the server must never install them. */
const TEST_ONLY = [
  "playwright-core",
  "axe-core",
  "fast-check",
  "pure-rand",
  "jsqr",
  "@resvg/resvg-wasm",
  "ajv",
  "@seriousme/openapi-schema-validator",
];

/** Packages named by tests/_deps (yaml among them, which the server also pulls in, indirectly). */
async function shimPackages(): Promise<string[]> {
  const names = new Set<string>();
  for await (const entry of Deno.readDir(new URL("tests/_deps/", ROOT))) {
    if (!entry.name.endsWith(".ts")) continue;
    const source = await Deno.readTextFile(new URL(`tests/_deps/${entry.name}`, ROOT));
    for (const match of source.matchAll(/"npm:(@?[^@"/]+(?:\/[^@"/]+)?)@/g)) names.add(match[1]);
  }
  return [...names].sort();
}

/** `name@1.2.3_peer@4` (a lockfile or `deno info` id) → `name`. */
function packageName(id: string): string {
  return id.replace(/^(@?[^@]+)@.*$/, "$1");
}

async function denoInfo(entry: string) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(output.code, 0, new TextDecoder().decode(output.stderr));
  return JSON.parse(new TextDecoder().decode(output.stdout)) as {
    modules: { specifier: string; npmPackage?: string }[];
    npmPackages: Record<string, unknown>;
  };
}

Deno.test("the server's module graph and deno.lock hold no test or bench tool", async () => {
  const shims = await shimPackages();
  assert(shims.includes("fast-check") && shims.includes("playwright-core"), shims.join(", "));
  for (const entry of ["main.ts", "serve.ts"]) {
    const info = await denoInfo(entry);
    const imported = info.modules.filter((module) =>
      module.specifier.includes("/tests/") ||
      (module.npmPackage && shims.includes(packageName(module.npmPackage)))
    ).map((module) => module.specifier);
    assertEquals(imported, [], `${entry} imports test-only modules`);
    const installed = Object.keys(info.npmPackages).map(packageName);
    assertEquals(installed.filter((name) => TEST_ONLY.includes(name)), [], `${entry} installs`);
  }

  const lock = JSON.parse(await Deno.readTextFile(new URL("deno.lock", ROOT)));
  const hint = "deno.lock lists test-only packages: a test ran without `--lock=tests/deno.lock` " +
    "(run tests with `deno task test` or that flag; see tests/_deps/README.md)";
  const inLock = Object.keys(lock.npm ?? {}).map(packageName);
  assertEquals(inLock.filter((name) => TEST_ONLY.includes(name)), [], hint);
  const specified = Object.keys(lock.specifiers ?? {}).map((key) => packageName(key.slice(4)));
  assertEquals(specified.filter((name) => shims.includes(name)), [], hint);

  // The tests' lockfile pins the server's packages at the same versions.
  const testLock = JSON.parse(await Deno.readTextFile(new URL("tests/deno.lock", ROOT)));
  for (const id of Object.keys(lock.npm ?? {})) {
    assert(id in (testLock.npm ?? {}), `tests/deno.lock has ${id} as deno.lock does`);
  }
});

Deno.test("deno run main.ts: no warning, and the last line names a URL that answers", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "oponn-first-run-" });
  const inherited = Deno.env.toObject();
  for (const name of Object.keys(inherited)) {
    if (/^(OPONN_|DATABASE_URL|REDIS_URL|PORT|HOST)/.test(name)) delete inherited[name];
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts"],
    cwd: ROOT,
    env: { ...inherited, NO_COLOR: "1", PORT: "0", OPONN_DATA_DIR: dataDir },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  let err = "";
  const read = async (stream: ReadableStream<Uint8Array>, add: (text: string) => void) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) add(decoder.decode(chunk, { stream: true }));
  };
  const reading = Promise.all([
    read(child.stdout, (t) => out += t),
    read(child.stderr, (t) => err += t),
  ]);
  try {
    const deadline = Date.now() + 90_000;
    while (!/oponn listening on \S+\n/.test(out) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const url = /oponn listening on (http:\/\/\S+)\n/.exec(out)?.[1];
    assert(url, `no listening line: ${out}\n${err}`);
    const home = await fetch(url);
    await home.body?.cancel();
    assertEquals(home.status, 200, `GET ${url}`);
    // Deno's warning about a default export came after the listening line: give it time.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const all = `${out}\n${err}`;
    assert(!all.includes("Detected export default"), all);
    assert(!/warn/i.test(all), `no warning: ${all}`);
    assertEquals(err, "", "nothing on stderr");
    const lines = out.trimEnd().split("\n");
    assert(lines.length <= 2, `at most one line before the URL: ${out}`);
    assertMatch(lines.at(-1)!, /^oponn listening on http:\/\/127\.0\.0\.1:\d+$/);
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await reading;
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
