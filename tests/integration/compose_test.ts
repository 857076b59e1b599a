/**
 * No Docker engine runs here, so the deployment files are checked by reading
 * them: compose.yaml, deploy/nginx.conf and the Dockerfile.
 */
import { parse } from "yaml";
import { assert, assertEquals, assertMatch } from "../_support/assert.ts";

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
}

interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** nginx config as nested directives: `name args;` or `name args { … }`. */
interface Directive {
  name: string;
  args: string[];
  block?: Directive[];
}

function parseNginx(text: string): Directive[] {
  const tokens = text.replace(/#[^\n]*/g, "").match(/"[^"]*"|[{};]|[^\s{};"]+/g) ?? [];
  let at = 0;
  const parseBlock = (): Directive[] => {
    const directives: Directive[] = [];
    while (at < tokens.length && tokens[at] !== "}") {
      const words: string[] = [];
      while (!["{", ";"].includes(tokens[at])) words.push(tokens[at++].replace(/^"|"$/g, ""));
      const [name, ...args] = words;
      if (tokens[at++] === "{") {
        directives.push({ name, args, block: parseBlock() });
        at++; // "}"
      } else directives.push({ name, args });
    }
    return directives;
  };
  return parseBlock();
}

const find = (block: Directive[], name: string) => block.filter((d) => d.name === name);
const arg = (block: Directive[], name: string) => find(block, name)[0]?.args.join(" ");

const compose = parse(await read("compose.yaml")) as Compose;
const services = compose.services;
/** The Oponn servers: built from this repository and given Redis. */
const replicas = Object.entries(services).filter(([, s]) => s.build && s.environment?.REDIS_URL);
const commandOf = (s: Service) => [s.command ?? []].flat().join(" ");

Deno.test("compose runs Postgres 16 and Redis 7 with healthchecks and volumes", () => {
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

Deno.test("compose runs at least two Oponn replicas, in production, after migrations", () => {
  const count = replicas.reduce((sum, [, s]) => sum + (s.deploy?.replicas ?? 1), 0);
  assert(count >= 2, `${count} replicas`);
  for (const [name, service] of replicas) {
    assertEquals(service.environment?.OPONN_ENV, "production", name);
    assertEquals(service.environment?.HOST, "0.0.0.0", name);
    assertMatch(service.environment?.DATABASE_URL ?? "", /^postgres:\/\/.*@postgres:5432\//);
    assertMatch(service.environment?.REDIS_URL ?? "", /^redis:\/\/redis:6379/);
    assertEquals(service.depends_on?.postgres?.condition, "service_healthy", name);
    assertEquals(service.depends_on?.redis?.condition, "service_healthy", name);
    assertEquals(service.depends_on?.migrate?.condition, "service_completed_successfully", name);
    assertMatch(String(service.healthcheck?.test), /\/readyz/);
  }
});

Deno.test("compose applies migrations once, with `deno task migrate`", async () => {
  const migrate = services.migrate;
  assertEquals(commandOf(migrate), "deno task migrate");
  assertEquals(migrate.depends_on?.postgres?.condition, "service_healthy");
  const tasks = JSON.parse(await read("deno.json")).tasks;
  assertMatch(tasks.migrate, /lib\/migrate_cli\.ts/);
  assertMatch(tasks.prod, /^OPONN_ENV=production deno serve --parallel /);
});

Deno.test("the load balancer waits for every replica and is the only published port", () => {
  const lb = services.lb;
  assertMatch(lb.image ?? "", /^nginx:/);
  assert(lb.volumes?.some((v) => v.startsWith("./deploy/nginx.conf:")), "nginx.conf mounted");
  for (const [name] of replicas) assertEquals(lb.depends_on?.[name]?.condition, "service_healthy");
  const published = Object.entries(services).filter(([, s]) => s.ports?.length);
  assertEquals(published.map(([name]) => name), ["lb"]);
});

Deno.test("nginx balances over every replica and streams live results unbuffered", async () => {
  const http = find(parseNginx(await read("deploy/nginx.conf")), "http")[0].block!;
  const upstream = find(http, "upstream")[0];
  const servers = find(upstream.block!, "server").map((d) => d.args[0]);
  assertEquals(servers.sort(), replicas.map(([name]) => `${name}:8000`).sort());

  const server = find(http, "server")[0].block!;
  const locations = find(server, "location");
  const live = locations.find((l) => {
    const [modifier, pattern] = l.args;
    return modifier === "~" && new RegExp(pattern).test("/ballots/Ab-_0123456789xy/live-results");
  });
  assert(live, "a location for /ballots/*/live-results");
  assert(!new RegExp(live.args[1]).test("/results/Ab-_0123456789xy"), "and only for it");
  assertEquals(arg(live.block!, "proxy_pass"), `http://${upstream.args[0]}`);
  assertEquals(arg(live.block!, "proxy_buffering"), "off");
  const timeout = arg(live.block!, "proxy_read_timeout") ?? "";
  assert(/^\d+s$/.test(timeout) && parseInt(timeout) >= 3600, `read timeout ${timeout}`);
  assertEquals(arg(server, "proxy_http_version"), "1.1");
});

Deno.test("the image is the official Deno image at a pinned version, dependencies cached", async () => {
  const dockerfile = await read("Dockerfile");
  assertMatch(/^FROM (\S+)/m.exec(dockerfile)?.[1] ?? "", /^denoland\/deno:2\.\d+\.\d+$/);
  assertMatch(dockerfile, /^RUN deno install --frozen$/m);
  assertMatch(dockerfile, /HOST=0\.0\.0\.0/);
  assertMatch(dockerfile, /^CMD \["deno", "serve", "--parallel"/m);
  const ignored = (await read(".dockerignore")).split("\n");
  for (const path of ["node_modules", "data", ".git"]) assert(ignored.includes(path), path);
});
