/** createApp: middleware order, static assets, the file routes under routes/, error mapping. */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { StoreUnavailableError } from "./lib/errors.ts";
import type { StaticAsset } from "./lib/assets/static.ts";
import type {
  AppDeps,
  AppEnv,
  Ctx,
  Handlers,
  Method,
  Middleware,
  RouteRulesByMethod,
} from "./routes/_context.ts";
import { guardsFor } from "./routes/_guards.ts";
import { securityHeaders } from "./routes/_middleware.ts";
import { errorPage } from "./routes/_render.tsx";
import { oneLayer, REPLACED_MIDDLEWARE } from "./routes/_one_layer.ts";

const ROUTES_DIR = new URL("./routes/", import.meta.url);

interface RouteModule {
  handlers: Handlers;
  rules?: RouteRulesByMethod;
}

const METHODS = new Set<string>(["GET", "POST", "PUT", "PATCH", "DELETE"]);
const ROUTE_EXPORTS = new Set(["handlers", "rules", "default"]);

export class RouteError extends Error {}

export async function createApp(
  deps: AppDeps,
  staticAssets: Map<string, StaticAsset>,
  /** `oneLayer: false` serves every route through the whole chain (to compare the two). */
  options: { oneLayer?: boolean } = {},
): Promise<Hono<AppEnv>> {
  const app = new Hono<AppEnv>();
  const special = await loadSpecialRoutes();

  app.use("*", (c, next) => {
    c.set("deps", deps);
    return next();
  });
  const routes = await loadRoutes(ROUTES_DIR);
  if (options.oneLayer !== false) {
    mountOneLayerRoutes(app, routes, special.middleware, answerError);
  }
  app.get("/favicon.ico", (c) => c.redirect("/static/favicon.svg", 301));
  mountStaticAssets(app, staticAssets);
  for (const middleware of special.middleware) app.use("*", middleware);

  for (const scoped of routes.middleware) {
    for (const handler of scoped.middleware) app.use(scoped.path, handler);
  }
  for (const route of routes.routes) {
    for (const [method, handler] of Object.entries(route.module.handlers)) {
      const rules = route.module.rules?.[method as Method];
      const chain = [...guardsFor(method as Method, rules), handler] as unknown as [Middleware];
      app.on(method, route.path, ...chain);
    }
  }

  app.notFound((c) => special.notFound(c as Ctx));
  app.onError((error, c) => answerError(error, c as Ctx));
  return app;

  function answerError(error: unknown, ctx: Ctx): Response {
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
  }
}

/**
 * Routes whose rules say `oneLayer` get `_one_layer.ts` ahead of the chain. It
 * stands in for the global middleware and the route's guards, so it refuses to
 * mount when those are not the ones it knows or a folder middleware covers the route.
 */
function mountOneLayerRoutes(
  app: Hono<AppEnv>,
  routes: LoadedRoutes,
  globalMiddleware: Middleware[],
  answerError: (error: unknown, c: Ctx) => Response,
): void {
  const known = globalMiddleware.length === REPLACED_MIDDLEWARE.length &&
    globalMiddleware.every((middleware, index) => middleware === REPLACED_MIDDLEWARE[index]);
  for (const route of routes.routes) {
    for (const [method, rules] of Object.entries(route.module.rules ?? {})) {
      if (!rules?.oneLayer) continue;
      const scoped = routes.middleware.find((m) => route.path.startsWith(m.path.slice(0, -1)));
      if (!known || scoped || route.path.startsWith("/api/")) {
        throw new RouteError(
          `${route.path}: oneLayer stands in for exactly ${REPLACED_MIDDLEWARE.length} global ` +
            "middleware, under no folder middleware, outside /api/",
        );
      }
      const handler = route.module.handlers[method as Method]!;
      app.on(method, route.path, oneLayer(method as Method, rules, handler, answerError));
    }
  }
}

function mountStaticAssets(app: Hono<AppEnv>, assets: Map<string, StaticAsset>): void {
  for (const [path, asset] of assets) {
    app.get(path, securityHeaders, (c) => {
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

export interface LoadedRoutes {
  routes: { path: string; module: RouteModule }[];
  middleware: { path: string; middleware: Middleware[] }[];
}

/** Every route and folder middleware under `dir`, checked: a file the router cannot use throws. */
export async function loadRoutes(dir: URL): Promise<LoadedRoutes> {
  const scan = await scanRoutes(dir);
  const middleware = [];
  for (const scoped of scan.middleware) {
    const module = await import(scoped.file.href);
    middleware.push({ path: scoped.path, middleware: checkMiddlewareModule(scoped.file, module) });
  }
  const routes = [];
  for (const route of scan) {
    routes.push({
      path: route.path,
      module: checkRouteModule(route.file, await import(route.file.href)),
    });
  }
  return { routes, middleware };
}

/**
 * A route module exports `handlers` (keyed by HTTP method) and may export
 * `rules` (per method) and a page component. Anything else is a mistake the
 * router would otherwise skip in silence, leaving a route missing or unguarded.
 */
function checkRouteModule(file: URL, module: Record<string, unknown>): RouteModule {
  const where = file.pathname.replace(/^.*\/routes\//, "routes/");
  const unknown = Object.keys(module).filter((name) => !ROUTE_EXPORTS.has(name));
  if (unknown.length > 0) {
    throw new RouteError(
      `${where} exports ${
        unknown.join(", ")
      }: a route exports only handlers, rules and a default page`,
    );
  }
  const handlers = module.handlers as Record<string, unknown> | undefined;
  if (!handlers || typeof handlers !== "object") {
    throw new RouteError(`${where} has no handlers: export const handlers = { GET(c) {...} }`);
  }
  for (const [method, handler] of Object.entries(handlers)) {
    if (!METHODS.has(method) || typeof handler !== "function") {
      throw new RouteError(`${where}: handlers.${method} is not a handler for an HTTP method`);
    }
  }
  const rules = (module.rules ?? {}) as Record<string, unknown>;
  for (const method of Object.keys(rules)) {
    if (!(method in handlers)) {
      throw new RouteError(`${where}: rules.${method} names a method it does not handle`);
    }
  }
  return module as unknown as RouteModule;
}

function checkMiddlewareModule(file: URL, module: Record<string, unknown>): Middleware[] {
  const list = module.middleware;
  const extra = Object.keys(module).filter((name) => name !== "middleware");
  if (!Array.isArray(list) || extra.length > 0 || list.some((m) => typeof m !== "function")) {
    throw new RouteError(
      `${
        file.pathname.replace(/^.*\/routes\//, "routes/")
      } must export only middleware: an array of middleware`,
    );
  }
  return list;
}

export interface FileRoute {
  path: string;
  file: URL;
}

/** The routes, and each folder's `_middleware.ts` with the paths it covers. */
export type RouteScan = FileRoute[] & { middleware: FileRoute[] };

/**
 * `routes/vote/[id].tsx` → `/vote/:id`, `routes/index.tsx` → `/`. Files and
 * folders starting with `_` are not routes, except a folder's own
 * `_middleware.ts`, which applies to every path under that folder (the root's
 * is the global one). Static segments sort before dynamic ones.
 */
export async function scanRoutes(dir: URL, prefix = ""): Promise<RouteScan> {
  const routes = [] as unknown as RouteScan;
  routes.middleware = [];
  for await (const entry of Deno.readDir(dir)) {
    if (prefix !== "" && entry.isFile && /^_middleware\.tsx?$/.test(entry.name)) {
      routes.middleware.push({ path: `${prefix}/*`, file: new URL(entry.name, dir) });
      continue;
    }
    if (entry.name.startsWith("_") || entry.name.startsWith(".")) continue;
    const segment = entry.name.replace(/\.tsx?$/, "").replace(/^\[(\w+)\]$/, ":$1");
    if (entry.isDirectory) {
      const nested = await scanRoutes(new URL(`${entry.name}/`, dir), `${prefix}/${segment}`);
      routes.push(...nested);
      routes.middleware.push(...nested.middleware);
    } else if (/\.tsx?$/.test(entry.name) && !/_test\.tsx?$/.test(entry.name)) {
      const path = segment === "index" ? prefix || "/" : `${prefix}/${segment}`;
      routes.push({ path, file: new URL(entry.name, dir) });
    } else if (!/_test\.tsx?$/.test(entry.name)) {
      throw new RouteError(
        `routes${prefix}/${entry.name} is not a route: routes are .ts or .tsx files`,
      );
    }
  }
  routes.sort((a, b) => routeOrder(a.path).localeCompare(routeOrder(b.path)));
  routes.middleware.sort((a, b) => a.path.length - b.path.length);
  return routes;
}

function routeOrder(path: string): string {
  return path.replaceAll(":", "~");
}
