/** createApp: middleware order, static assets, the file routes under routes/, error mapping. */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { StoreUnavailableError } from "./lib/errors.ts";
import type { StaticAsset } from "./lib/assets/static.ts";
import type { AppDeps, AppEnv, Ctx, Handlers, Middleware } from "./routes/_context.ts";
import { errorPage } from "./routes/_render.tsx";

const ROUTES_DIR = new URL("./routes/", import.meta.url);

interface RouteModule {
  handlers?: Handlers;
}

export async function createApp(
  deps: AppDeps,
  staticAssets: Map<string, StaticAsset>,
): Promise<Hono<AppEnv>> {
  const app = new Hono<AppEnv>();
  const special = await loadSpecialRoutes();

  app.use("*", async (c, next) => {
    c.set("deps", deps);
    await next();
  });
  app.get("/favicon.ico", (c) => c.redirect("/static/favicon.svg", 301));
  mountStaticAssets(app, staticAssets);
  for (const middleware of special.middleware) app.use("*", middleware);

  for (const route of await scanRoutes(ROUTES_DIR)) {
    const module: RouteModule = await import(route.file.href);
    for (const [method, handler] of Object.entries(module.handlers ?? {})) {
      app.on(method, route.path, handler);
    }
  }

  app.notFound((c) => special.notFound(c as Ctx));
  app.onError((error, c) => {
    const ctx = c as Ctx;
    if (error instanceof HTTPException) {
      return errorPage(ctx, error.status, "bad_request", error.message);
    }
    if (error instanceof StoreUnavailableError) {
      console.error(`database unavailable: ${(error.cause as Error)?.message ?? error.cause}`);
      return errorPage(
        ctx,
        503,
        "database_unavailable",
        "The database is unavailable right now, so this was not confirmed and most likely not saved. Try again in a moment.",
      );
    }
    deps.metrics.inc("http_errors_total");
    console.error(error);
    return special.serverError(ctx);
  });
  return app;
}

function mountStaticAssets(app: Hono<AppEnv>, assets: Map<string, StaticAsset>): void {
  for (const [path, asset] of assets) {
    app.get(path, (c) => {
      const versioned = c.req.query("v") !== undefined;
      return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, {
        "Content-Type": asset.contentType,
        "Cache-Control": versioned ? "public, max-age=31536000, immutable" : "public, max-age=300",
        "X-Content-Type-Options": "nosniff",
      });
    });
  }
}

async function loadSpecialRoutes() {
  const middleware: { middleware: Middleware[] } = await import(
    new URL("_middleware.ts", ROUTES_DIR).href
  );
  const notFound: { default: (c: Ctx) => Response } = await import(
    new URL("_404.tsx", ROUTES_DIR).href
  );
  const serverError: { default: (c: Ctx) => Response } = await import(
    new URL("_500.tsx", ROUTES_DIR).href
  );
  return {
    middleware: middleware.middleware,
    notFound: notFound.default,
    serverError: serverError.default,
  };
}

export interface FileRoute {
  path: string;
  file: URL;
}

/**
 * `routes/vote/[id].tsx` → `/vote/:id`, `routes/index.tsx` → `/`. Files and
 * folders starting with `_` are not routes. Static segments sort before dynamic ones.
 */
export async function scanRoutes(dir: URL, prefix = ""): Promise<FileRoute[]> {
  const routes: FileRoute[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.startsWith("_") || entry.name.startsWith(".")) continue;
    const segment = entry.name.replace(/\.tsx?$/, "").replace(/^\[(\w+)\]$/, ":$1");
    if (entry.isDirectory) {
      routes.push(...await scanRoutes(new URL(`${entry.name}/`, dir), `${prefix}/${segment}`));
    } else if (/\.tsx?$/.test(entry.name) && !/_test\.tsx?$/.test(entry.name)) {
      const path = segment === "index" ? prefix || "/" : `${prefix}/${segment}`;
      routes.push({ path, file: new URL(entry.name, dir) });
    }
  }
  return routes.sort((a, b) => routeOrder(a.path).localeCompare(routeOrder(b.path)));
}

function routeOrder(path: string): string {
  return path.replaceAll(":", "~");
}
