/**
 * The deployment files, read and checked for consistency: compose.yaml,
 * deploy/nginx.conf (with deploy/oponn-upstreams.conf) and the Dockerfile.
 * No container engine runs here, so nothing below starts a container:
 * tests/integration/nginx_test.ts runs the same topology natively (nginx with
 * this config in front of three Oponn processes) and checks compose.yaml
 * against what it ran.
 */
import { parse } from "yaml";
import { assert, assertEquals, assertMatch } from "../_support/assert.ts";
import {
  type Directive,
  directiveArg as arg,
  directives as find,
  nginxSeconds,
  nginxSize,
  parseNginx,
  upstreamServers,
} from "../_support/nginx.ts";

const ROOT = new URL("../../", import.meta.url);
const read = (path: string) => Deno.readTextFile(new URL(path, ROOT));

interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: { test: string | string[] };
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  ports?: string[];
  ulimits?: { nofile?: number | { soft: number; hard: number } };
  stop_grace_period?: string;
}

interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  networks?: { default?: { ipam?: { config?: { subnet?: string }[] } } };
}

const compose = parse(await read("compose.yaml")) as Compose;
const services = compose.services;
/** The Oponn servers: built from this repository and given Redis. */
const replicas = Object.entries(services).filter(([, s]) => s.build && s.environment?.REDIS_URL);
const subnet = compose.networks?.default?.ipam?.config?.[0]?.subnet;
const commandOf = (s: Service) => [s.command ?? []].flat().join(" ");
const checkOf = (s: Service) => [s.healthcheck?.test ?? []].flat().join(" ");
/** The soft limit a service's processes get (the lower of soft and hard). */
const nofileOf = (s: Service) => {
  const value = s.ulimits?.nofile;
  if (value === undefined) return 0;
  return typeof value === "number" ? value : Math.min(value.soft, value.hard);
};
/** The file descriptors every Oponn replica and the load balancer must be allowed. */
const NOFILE = 65_536;

const nginx = parseNginx(await read("deploy/nginx.conf"));
const http = find(nginx, "http")[0].block!;
const server = find(http, "server")[0].block!;
const upstream = find(http, "upstream")[0];

Deno.test("compose.yaml (parsed): Postgres 16 and Redis 7 have health checks and named volumes", () => {
  for (const [name, image] of [["postgres", /^postgres:16\b/], ["redis", /^redis:7\b/]] as const) {
    const service = services[name];
    assert(service, `service ${name}`);
    assertMatch(service.image ?? "", image);
    assert(service.healthcheck?.test, `${name} has a healthcheck`);
    const volume = service.volumes?.[0]?.split(":")[0] ?? "";
    assert(volume in (compose.volumes ?? {}), `${name} keeps its data in a named volume`);
  }
  assertMatch(String(services.postgres.healthcheck!.test), /pg_isready/);
  assertMatch(String(services.redis.healthcheck!.test), /redis-cli,ping|redis-cli ping/);
});

Deno.test(
  "compose.yaml (parsed): three Oponn replicas in production after migrations, one secret, trusting only nginx's network, healthy on /readyz, 65,536 descriptors",
  async () => {
    const count = replicas.reduce((sum, [, s]) => sum + (s.deploy?.replicas ?? 1), 0);
    assertEquals(count, 3, "replicas (nginx_test runs three processes)");
    for (const [name, service] of replicas) {
      assertEquals(service.environment?.OPONN_ENV, "production", name);
      assertEquals(service.environment?.HOST, "0.0.0.0", name);
      assertMatch(service.environment?.DATABASE_URL ?? "", /^postgres:\/\/.*@postgres:5432\//);
      assertMatch(service.environment?.REDIS_URL ?? "", /^redis:\/\/redis:6379/);
      assertEquals(service.depends_on?.postgres?.condition, "service_healthy", name);
      assertEquals(service.depends_on?.redis?.condition, "service_healthy", name);
      assertEquals(service.depends_on?.migrate?.condition, "service_completed_successfully", name);
      assertMatch(
        checkOf(service),
        new RegExp(`127\\.0\\.0\\.1:${service.environment?.PORT}/readyz`),
      );
      assert((await Deno.stat(new URL("routes/readyz.ts", ROOT))).isFile, "a /readyz route");
      // One secret for all (a browser moves between replicas), never a default in the file.
      assertMatch(service.environment?.OPONN_SECRET ?? "", /^\$\{OPONN_SECRET:\?/);
      // X-Forwarded-For believed from the compose network only, where nginx is.
      assertEquals(service.environment?.OPONN_TRUSTED_PROXIES, subnet, name);
      // Every live viewer holds a descriptor: Docker's usual soft limit of 1,024 is far too low.
      assert(nofileOf(service) >= NOFILE, `${name}: ulimits nofile ${nofileOf(service)}`);
      // Oponn drains for at most 10 s on SIGTERM: Docker must not SIGKILL it before.
      const grace = nginxSeconds(service.stop_grace_period ?? "10s");
      assert(grace > 10, `${name}: stop_grace_period ${grace} s`);
    }
  },
);

Deno.test(
  "compose.yaml (parsed): migrations run once with `deno task migrate`, whose entry point the image caches",
  async () => {
    const migrate = services.migrate;
    assertEquals(commandOf(migrate), "deno task migrate");
    assertEquals(migrate.depends_on?.postgres?.condition, "service_healthy");
    const tasks = JSON.parse(await read("deno.json")).tasks;
    const entry = /^deno run -A (\S+\.ts)$/.exec(tasks.migrate)?.[1];
    assert(entry, `migrate task: ${tasks.migrate}`);
    assert((await Deno.stat(new URL(entry, ROOT))).isFile, `${entry} exists`);
    assertMatch(
      await read("Dockerfile"),
      new RegExp(`^RUN .*deno (?:cache|install --frozen --entrypoint) .*\\b${entry}\\b`, "m"),
    );
    assertMatch(tasks.prod, /^OPONN_ENV=production deno serve --parallel /);
  },
);

Deno.test(
  "compose.yaml (parsed): the load balancer mounts deploy/nginx.conf and its upstreams, waits for every replica, is the only published port, 65,536 descriptors",
  async () => {
    const lb = services.lb;
    assertMatch(lb.image ?? "", /^nginx:/);
    const mounts = Object.fromEntries((lb.volumes ?? []).map((v) => v.split(":").slice(0, 2)));
    assertEquals(mounts["./deploy/nginx.conf"], "/etc/nginx/nginx.conf");
    // nginx resolves a relative include against the folder of its config file.
    const include = arg(upstream.block!, "include");
    assertEquals(mounts["./deploy/oponn-upstreams.conf"], `/etc/nginx/${include}`);
    for (const [name] of replicas) {
      assertEquals(lb.depends_on?.[name]?.condition, "service_healthy");
    }
    const published = Object.entries(services).filter(([, s]) => s.ports?.length);
    assertEquals(published.map(([name]) => name), ["lb"]);
    assertEquals(lb.ports?.map((p) => p.split(":").at(-1)), [arg(server, "listen")]);
    assertMatch(checkOf(lb), /http:\/\/127\.0\.0\.1\/healthz/);
    assert((await Deno.stat(new URL("routes/healthz.ts", ROOT))).isFile, "a /healthz route");
    const asked = Number(arg(nginx, "worker_rlimit_nofile"));
    assert(nofileOf(lb) >= Math.max(NOFILE, asked), `lb: ulimits nofile ${nofileOf(lb)}`);
  },
);

Deno.test(
  "deploy/nginx.conf (parsed): upstreams are the compose replicas over HTTP/1.1 keepalive; live streams unbuffered",
  async () => {
    assertEquals(upstream.args, ["oponn"]);
    const servers = await upstreamServers();
    assertEquals(
      servers.map((s) => s.address).sort(),
      replicas.map(([name, s]) => `${name}:${s.environment?.PORT}`).sort(),
    );
    assert(find(upstream.block!, "least_conn").length === 1, "least_conn");
    assert(Number(arg(upstream.block!, "keepalive")) > 0, "upstream keepalive");
    assertEquals(arg(server, "proxy_http_version"), "1.1");
    const headers = Object.fromEntries(
      find(server, "proxy_set_header").map((d) => [d.args[0].toLowerCase(), d.args[1]]),
    );
    assertEquals(headers["connection"], "", "keepalive needs an empty Connection header");
    assertEquals(headers["x-forwarded-for"], "$proxy_add_x_forwarded_for");
    // Oponn compares Origin with Host and builds share links from it: keep the port.
    assertEquals(headers["host"], "$http_host");

    const locations = find(server, "location");
    const streams = ["/ballots/Ab-_0123456789xy/live-results", "/api/v1/ballots/Ab-_0123/events"];
    for (const path of streams) {
      const live = locations.find((l) => l.args[0] === "~" && new RegExp(l.args[1]).test(path));
      assert(live, `a location for ${path}`);
      // Headers set in a location would replace (not extend) the server's.
      assertEquals(find(live.block!, "proxy_set_header"), [], "headers inherited");
      assertEquals(arg(live.block!, "proxy_pass"), `http://${upstream.args[0]}`);
      assertEquals(arg(live.block!, "proxy_buffering"), "off");
      const timeout = nginxSeconds(arg(live.block!, "proxy_read_timeout") ?? "60s");
      // Oponn sends a comment every 15 s on an idle stream.
      assert(timeout > 15, `read timeout ${timeout} s`);
    }
    const live = locations.find((l) => new RegExp(l.args[1]).test(streams[0]))!;
    for (const path of ["/results/Ab-_0123456789xy", "/vote/Ab-_0123456789xy", "/"]) {
      assert(!new RegExp(live.args[1]).test(path), `${path} is buffered as usual`);
    }
  },
);

Deno.test("deploy/nginx.conf (parsed): bounded connections, bodies and waits for hostile clients", () => {
  const value = (block: Directive[], name: string) => {
    const found = arg(block, name);
    assert(found !== undefined, `${name} is set`);
    return found;
  };
  const zone = find(http, "limit_conn_zone")[0];
  assertEquals(zone?.args[0], "$binary_remote_addr", "connections counted per client address");
  const [zoneName, perAddress] = find(server, "limit_conn")[0]?.args ?? [];
  assertEquals(`zone=${zoneName}`, zone.args[1].replace(/:.*/, ""), "limit_conn uses that zone");
  // 500 browsers behind one NAT (one stream and a few requests each) but not unbounded.
  assert(Number(perAddress) >= 1_000 && Number(perAddress) <= 10_000, `limit_conn ${perAddress}`);
  assert(nginxSeconds(value(http, "client_header_timeout")) <= 15, "client_header_timeout");
  assert(nginxSeconds(value(http, "client_body_timeout")) <= 15, "client_body_timeout");
  assert(nginxSeconds(value(http, "send_timeout")) <= 60, "send_timeout");
  assert(nginxSeconds(value(http, "keepalive_timeout")) <= 30, "keepalive_timeout");
  assertEquals(nginxSize(value(http, "client_max_body_size")), 64 * 1024);
  const connections = Number(arg(find(nginx, "events")[0].block!, "worker_connections"));
  const files = Number(value(nginx, "worker_rlimit_nofile"));
  assert(connections >= 4_096, `worker_connections ${connections}`);
  // A proxied connection is two descriptors: client and upstream.
  assert(files >= 2 * connections, `worker_rlimit_nofile ${files} < 2 × ${connections}`);
  // A replica that is down or draining is skipped for the next one.
  const next = value(server, "proxy_next_upstream").split(" ");
  for (const reason of ["error", "http_503"]) assert(next.includes(reason), reason);
  assert(!next.includes("non_idempotent"), "a vote is never resent behind the voter's back");
});

Deno.test(
  "Dockerfile (parsed): pinned official Deno image, dependencies cached, raises the descriptor limit, `deno serve --parallel`, health check on /readyz",
  async () => {
    const dockerfile = await read("Dockerfile");
    assertMatch(/^FROM (\S+)/m.exec(dockerfile)?.[1] ?? "", /^denoland\/deno:2\.\d+\.\d+$/);
    assertMatch(dockerfile, /^RUN deno install --frozen$/m);
    assertMatch(dockerfile, /HOST=0\.0\.0\.0/);
    const port = /PORT=(\d+)/.exec(dockerfile)?.[1];
    assertMatch(dockerfile, new RegExp(`^EXPOSE ${port}$`, "m"));
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? "[]") as string[];
    const shell = cmd.slice(0, 2).join(" ") === "sh -c" ? cmd[2] : cmd.join(" ");
    assertMatch(shell, /ulimit -n "\$\(ulimit -Hn\)"/);
    assertMatch(shell, /exec deno serve --parallel -A /);
    assertMatch(dockerfile, /^HEALTHCHECK [\s\S]*?127\.0\.0\.1:8000\/readyz/m);
    const ignored = (await read(".dockerignore")).split("\n");
    for (const path of ["node_modules", "data", ".git"]) assert(ignored.includes(path), path);
  },
);
