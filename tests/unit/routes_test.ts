import { scanRoutes } from "../../app.ts";
import { assertEquals } from "../_support/assert.ts";

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
