/** What every route receives: the Hono context with Oponn's services attached. */
import type { Context, MiddlewareHandler } from "hono";
import type { Assets } from "../components/Layout.tsx";
import type { Config } from "../lib/config.ts";
import type { LiveHub } from "../lib/live/hub.ts";
import type { Metrics } from "../lib/ops/metrics.ts";
import type { ProcessMetrics } from "../lib/ops/worker_metrics.ts";
import type { Oponn } from "../lib/oponn.ts";
import type { AddressResolver } from "../lib/limits/addresses.ts";
import type { Decision, LimitedAction, RateLimiter } from "../lib/limits/rate_limit.ts";
import type { StreamLimiter } from "../lib/limits/streams.ts";
import type { VoterIdentity } from "../lib/identity/voter.ts";
import type { VotedBallots } from "../lib/identity/voted.ts";
import type { FormBody } from "./_form.ts";

export interface AppDeps {
  config: Config;
  oponn: Oponn;
  hub: LiveHub;
  metrics: Metrics;
  assets: Assets;
  /** Signs and checks voter cookies and the CSRF tokens bound to them. */
  identity: VoterIdentity;
  /** The signed cookie listing the ballots this browser voted on. */
  voted: VotedBallots;
  /** Client addresses behind trusted proxies; who may read `/metrics`. */
  addresses: AddressResolver;
  /** Database (and Redis) reachable: for `/readyz`. */
  ready(): Promise<boolean>;
  /** Set while the process drains before exit: new streams are refused. */
  draining(): boolean;
  /** Counters and gauges for `/metrics`: the whole process's, every worker summed. */
  readMetrics(): Promise<ProcessMetrics>;
  /** Abuse limits: request buckets (absent with OPONN_RATE_LIMIT=off) and the live-stream cap. */
  limits?: { requests?: RateLimiter; streams?: StreamLimiter };
}

export interface AppEnv {
  Variables: {
    deps: AppDeps;
    /** The signed voter id of this browser (minted on this request when it had none). */
    voterId: string;
    /** Whether the request came with a voter cookie the server signed. */
    knownVoter: boolean;
    csrfToken: string;
    /** The parsed form body, once read (see `_form.ts`). */
    form?: FormBody;
    /** The rate limit's answer for this request, once taken (see `_guards.ts`). */
    rateDecision?: Decision;
  };
}

export type Ctx = Context<AppEnv>;
export type Handler = (c: Ctx) => Response | Promise<Response>;
export type Handlers = Partial<Record<"GET" | "POST" | "PUT" | "PATCH" | "DELETE", Handler>>;
export type Middleware = MiddlewareHandler<AppEnv>;

export type Method = keyof Handlers;

/**
 * What a route declares about one method. Every method but GET is guarded
 * unless it says otherwise: same-origin check and CSRF token on, and a token
 * bucket (`write` unless it names another). GET takes neither by default.
 */
export interface RouteRules {
  csrf?: boolean;
  limit?: LimitedAction | false;
  /**
   * Serve the plain case in one layer ahead of the middleware chain
   * (`_one_layer.ts`): the same checks as plain calls, and the whole chain
   * whenever one of them does not simply pass. For the hottest route only.
   */
  oneLayer?: boolean;
}

export type RouteRulesByMethod = Partial<Record<Method, RouteRules>>;
