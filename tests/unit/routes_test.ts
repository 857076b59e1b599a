import { loadRoutes, RouteError, scanRoutes } from "../../app.ts";
import { assertEquals, assertMatch } from "../_support/assert.ts";

Deno.test("scanRoutes() maps every file under routes/ to its URL", async () => {
  const routes = await scanRoutes(new URL("../../routes/", import.meta.url));
  const byPath = Object.fromEntries(
    routes.map((route) => [route.path, route.file.pathname.replace(/^.*\/routes\//, "")]),
  );
  assertEquals(byPath["/"], "index.tsx");
  assertEquals(byPath["/create"], "create.tsx");
  assertEquals(byPath["/vote/:id"], "vote/[id].tsx");
  assertEquals(byPath["/results/:id"], "results/[id].tsx");
  assertEquals(byPath["/ballots/:id/live-results"], "ballots/[id]/live-results.ts");
  assertEquals(byPath["/partials/start-time-input"], "partials/start-time-input.tsx");
  assertEquals(
    routes.some((route) => route.path.includes("_")),
    false,
    "files starting with _ are not routes",
  );
});

async function routesDir(files: Record<string, string>): Promise<URL> {
  const dir = await Deno.makeTempDir({ prefix: "oponn-routes-" });
  for (const [name, text] of Object.entries(files)) {
    await Deno.mkdir(`${dir}/${name}`.replace(/\/[^/]+$/, ""), { recursive: true });
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  return new URL(`file://${dir}/`);
}

async function refusal(files: Record<string, string>): Promise<string> {
  const dir = await routesDir(files);
  try {
    await loadRoutes(dir);
    return "";
  } catch (error) {
    if (!(error instanceof RouteError)) throw error;
    return error.message;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("loadRoutes() refuses at start what the router cannot use, instead of skipping it", async () => {
  assertMatch(
    await refusal({ "a.ts": "export const handler = { GET: () => new Response() };" }),
    /a\.ts exports handler/,
  );
  assertMatch(
    await refusal({ "page.tsx": "export default function Page() { return null; }" }),
    /page\.tsx has no handlers/,
  );
  assertMatch(
    await refusal({ "b.ts": "export const handlers = { FETCH: () => new Response() };" }),
    /handlers\.FETCH is not a handler/,
  );
  assertMatch(
    await refusal({
      "c.ts":
        "export const handlers = { GET: () => new Response() }; export const rules = { POST: {} };",
    }),
    /rules\.POST names a method it does not handle/,
  );
  assertMatch(await refusal({ "d.js": "export const handlers = {};" }), /d\.js is not a route/);
  assertMatch(
    await refusal({ "sub/_middleware.ts": "export const before = [];" }),
    /must export only middleware/,
  );
});

Deno.test("loadRoutes() scopes a folder's _middleware.ts to the paths under it", async () => {
  const dir = await routesDir({
    "api/_middleware.ts": "export const middleware = [async (_c, next) => await next()];",
    "api/ping.ts": "export const handlers = { GET: () => new Response('pong') };",
  });
  try {
    const loaded = await loadRoutes(dir);
    assertEquals(loaded.middleware.map((m) => m.path), ["/api/*"]);
    assertEquals(loaded.routes.map((r) => r.path), ["/api/ping"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
