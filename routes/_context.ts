/** What every route receives: the Hono context with Oponn's services attached. */
import type { Context, MiddlewareHandler } from "hono";
import type { Assets } from "../components/Layout.tsx";
import type { Config } from "../lib/config.ts";
import type { LiveHub } from "../lib/live/hub.ts";
import type { Metrics } from "../lib/ops/metrics.ts";
import type { Oponn } from "../lib/oponn.ts";
import type { RateLimiter, StreamLimiter } from "../lib/limits/rate_limit.ts";

export interface AppDeps {
  config: Config;
  oponn: Oponn;
  hub: LiveHub;
  metrics: Metrics;
  assets: Assets;
  /** Database (and Redis) reachable: for `/readyz`. */
  ready(): Promise<boolean>;
  /** Set while the process drains before exit: new streams are refused. */
  draining(): boolean;
  /** Abuse limits: request buckets (absent with OPONN_RATE_LIMIT=off) and the live-stream cap. */
  limits?: { requests?: RateLimiter; streams?: StreamLimiter };
}

export interface AppEnv {
  Variables: {
    deps: AppDeps;
    csrfToken: string;
  };
}

export type Ctx = Context<AppEnv>;
export type Handler = (c: Ctx) => Response | Promise<Response>;
export type Handlers = Partial<Record<"GET" | "POST" | "PUT" | "PATCH" | "DELETE", Handler>>;
export type Middleware = MiddlewareHandler<AppEnv>;
