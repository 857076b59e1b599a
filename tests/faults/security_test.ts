/**
 * The security review of SPEC section 4, as tests: a strict CSP and no inline
 * script, HSTS and Secure cookies in production (and only there), CSRF on
 * every state-changing route, and dependencies pinned by deno.lock.
 */
import { scanRoutes } from "../../app.ts";
import { loadConfig } from "../../lib/config.ts";
import { buildOponn } from "../../server.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotIncludes,
  assertStringIncludes,
} from "../_support/assert.ts";
import { Client } from "../_support/client.ts";
import { createServerDatabase } from "../_support/databases.ts";
import { startQuickServer } from "../_support/faults.ts";

const ROOT = new URL("../../", import.meta.url);
const TEST_SECRET = "security-test-secret-0123456789abcdef";

Deno.test("pages carry a strict CSP and no inline script or handler; CSRF guards every unsafe route", async () => {
  const server = await startQuickServer();
  try {
    const client = new Client(server.url);
    const id = await client.createBallot({
      measure: "Secure?",
      options_raw: "yes, no",
      allow_write_in: "on",
    });
    for (const path of ["/", "/create", `/vote/${id}`, `/results/${id}`, "/nope"]) {
      const response = await client.get(path);
      const html = await response.text();
      const csp = response.headers.get("content-security-policy") ?? "";
      assertStringIncludes(csp, "script-src 'self'", path);
      assertStringIncludes(csp, "frame-ancestors 'none'", path);
      assertStringIncludes(csp, "object-src 'none'", path);
      assertNotIncludes(csp, "unsafe-inline", path);
      assertNotIncludes(csp, "unsafe-eval", path);
      assertEquals(response.headers.get("x-content-type-options"), "nosniff", path);
      assert(response.headers.get("referrer-policy"), `${path}: Referrer-Policy`);
      for (const tag of html.match(/<script\b[^>]*>/g) ?? []) {
        assert(/\ssrc="\/[^"]+"/.test(tag), `${path}: inline script ${tag}`);
      }
      assert(!/<script\b[^>]*>[^<]+<\/script>/.test(html), `${path}: script with a body`);
      assert(!/\son[a-z]+\s*=/i.test(html), `${path}: inline event handler`);
      assertEquals(
        response.headers.get("strict-transport-security"),
        null,
        "no HSTS outside production",
      );
    }
    const cookie = (await fetch(`${server.url}/create`)).headers.getSetCookie()[0] ?? "";
    assertStringIncludes(cookie, "HttpOnly");
    assertStringIncludes(cookie, "SameSite=Lax");
    assertNotIncludes(cookie, "Secure", "no Secure cookie over plain http in development");

    // Every route, every unsafe method: without the token, 403 and nothing written.
    const routes = await scanRoutes(new URL("routes/", ROOT));
    const before = server.oponn.deps.metrics.counters;
    const created = before.ballots_created_total;
    const votes = before.votes_accepted_total;
    for (const route of routes) {
      const path = route.path.replace(":id", id);
      const { handlers } = await import(route.file.href);
      for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
        const response = await fetch(server.url + path, {
          method,
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            cookie: client.cookieHeader(),
          },
          body: "measure=Forged&options_raw=a,b&option=yes",
        });
        const body = await response.text();
        // A method the route does not handle is not routed at all: 404, nothing written.
        if (!(method in handlers)) {
          assertEquals(response.status, 404, `${method} ${path}`);
          continue;
        }
        // The JSON API reads no cookie, so it needs no token; a form (all a cross-site page
        // can post without a preflight) is refused for its type.
        if (path.startsWith("/api/")) {
          assertEquals(response.status, 415, `${method} ${path}`);
          continue;
        }
        assertEquals(response.status, 403, `${method} ${path}`);
        assertStringIncludes(body, "Invalid or Missing CSRF Token");
      }
    }
    assertEquals(server.oponn.deps.metrics.counters.ballots_created_total, created);
    assertEquals(server.oponn.deps.metrics.counters.votes_accepted_total, votes);

    // What a user typed is escaped wherever it shows.
    const xss = await client.createBallot({
      measure: "<script>alert(1)</script>",
      options_raw: "<img src=x onerror=alert(1)>, \"'><svg onload=alert(1)>",
    });
    for (const path of [`/vote/${xss}`, `/results/${xss}`, "/"]) {
      const html = await (await client.get(path)).text();
      assertNotIncludes(html, "<script>alert", path);
      assertNotIncludes(html, "<img src=x", path);
      assertNotIncludes(html, "<svg onload", path);
    }
  } finally {
    await server.close();
  }
});

Deno.test("production: HSTS on every page, the voter and CSRF cookies are Secure and __Host-", async () => {
  const serverUrl = Deno.env.get("TEST_DATABASE_URL");
  const db = serverUrl ? await createServerDatabase(serverUrl) : undefined;
  const config = {
    ...loadConfig({ OPONN_ENV: "test", DATABASE_URL: db?.url ?? "memory://", PORT: "0" }),
    env: "production" as const,
  };
  const oponn = await buildOponn(config);
  try {
    for (const path of ["/", "/create", "/nope"]) {
      const response = await oponn.fetch(new Request(`http://oponn.test${path}`));
      await response.body?.cancel();
      assertStringIncludes(
        response.headers.get("strict-transport-security") ?? "",
        "max-age=",
        path,
      );
      const cookies = response.headers.getSetCookie();
      assertEquals(cookies.length, 2, path);
      for (const cookie of cookies) {
        assertMatch(cookie, /^__Host-oponn_(voter|csrf_token)=/, path);
        assertStringIncludes(cookie, "Secure", path);
        assertStringIncludes(cookie, "HttpOnly", path);
        assertStringIncludes(cookie, "Path=/", path);
      }
    }
    assertEquals(
      loadConfig({ OPONN_ENV: "development", DATABASE_URL: "memory://" }).rateLimit,
      false,
      "rate limits are off by default outside production",
    );
    assertEquals(
      loadConfig({
        OPONN_ENV: "production",
        DATABASE_URL: "postgres://x/y",
        REDIS_URL: "redis://x",
        OPONN_SECRET: TEST_SECRET,
      })
        .rateLimit,
      true,
      "rate limits are on by default in production",
    );
    assertEquals(
      loadConfig({
        OPONN_ENV: "production",
        DATABASE_URL: "postgres://x/y",
        REDIS_URL: "redis://x",
        OPONN_SECRET: TEST_SECRET,
        OPONN_RATE_LIMIT: "off",
      }).rateLimit,
      false,
    );
  } finally {
    await oponn.close();
    await db?.drop();
  }
});

Deno.test("deno.lock pins every dependency to one exact version, and is current", async () => {
  const denoJson = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  const lock = JSON.parse(await Deno.readTextFile(new URL("deno.lock", ROOT)));
  const specifiers: Record<string, string> = lock.specifiers ?? {};
  for (const [name, target] of Object.entries(denoJson.imports as Record<string, string>)) {
    if (name.endsWith("/")) continue;
    // Test-only packages: a file in tests/_deps names the npm package (locked in tests/deno.lock).
    if (target.startsWith("./tests/_deps/")) continue;
    assert(target.startsWith("npm:"), `${name}: npm: specifiers only (${target})`);
    // deno.lock normalises the range (`^6.0.0` is stored as `6`): match by package name.
    const pkg = target.slice(4).replace(/^(@?[^@/]+(?:\/[^@/]+)?)@.*$/, "$1");
    const entries = Object.entries(specifiers).filter(([key]) => key.startsWith(`npm:${pkg}@`));
    assert(entries.length > 0, `${name}: ${target} is in deno.lock`);
    for (const [key, version] of entries) {
      assert(/^\d+\.\d+\.\d+/.test(version), `${key} resolves to one exact version (${version})`);
    }
  }
  const frozen = await new Deno.Command(Deno.execPath(), {
    // Global cache only: with the project's node_modules, `deno cache` would reset it to
    // deno.lock and take the test-only packages away from tests running beside this one.
    args: ["cache", "--frozen", "--node-modules-dir=none", "main.ts"],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  assertEquals(
    frozen.code,
    0,
    `deno cache --frozen: the lockfile matches deno.json: ${
      new TextDecoder().decode(frozen.stderr)
    }`,
  );
});
