import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_support/assert.ts";

const ROOT = new URL("../../", import.meta.url);

/** Runs `deno <args>` from the project root with only the given Oponn variables set. */
async function runDeno(args: string[], env: Record<string, string>) {
  const inherited = Deno.env.toObject();
  for (const name of Object.keys(inherited)) {
    if (/^(OPONN_|DATABASE_URL|REDIS_URL|PORT|HOST)/.test(name)) delete inherited[name];
  }
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { ...inherited, NO_COLOR: "1", ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

/** The lines Oponn printed itself (not `deno task`'s own "Task …" line). */
function oponnLines(stderr: string): string[] {
  return stderr.split("\n").filter((line) => line.includes("oponn:"));
}

Deno.test("production without DATABASE_URL stops at start with one line naming it", async () => {
  const run = await runDeno(["run", "-A", "main.ts"], { OPONN_ENV: "production", PORT: "0" });
  assertEquals(run.code, 1);
  const lines = oponnLines(run.stderr);
  assertEquals(lines.length, 1, run.stderr);
  assertMatch(lines[0], /^oponn: DATABASE_URL must be set/);
  assertEquals(run.stdout, "");
});

Deno.test("production without REDIS_URL stops at start with one line naming it", async () => {
  const run = await runDeno(["run", "-A", "main.ts"], {
    OPONN_ENV: "production",
    PORT: "0",
    DATABASE_URL: "postgres://postgres@127.0.0.1:1/none",
  });
  assertEquals(run.code, 1);
  const lines = oponnLines(run.stderr);
  assertEquals(lines.length, 1, run.stderr);
  assertMatch(lines[0], /^oponn: REDIS_URL must be set/);
});

Deno.test("production without OPONN_SECRET stops at start with one line naming it", async () => {
  const run = await runDeno(["run", "-A", "main.ts"], {
    OPONN_ENV: "production",
    PORT: "0",
    DATABASE_URL: "postgres://postgres@127.0.0.1:1/none",
    REDIS_URL: "redis://127.0.0.1:1",
  });
  assertEquals(run.code, 1);
  const lines = oponnLines(run.stderr);
  assertEquals(lines.length, 1, run.stderr);
  assertMatch(lines[0], /^oponn: OPONN_SECRET must be set/);
});

Deno.test("`deno task prod` refuses to start without DATABASE_URL, in every worker", async () => {
  const run = await runDeno(["task", "prod"], {});
  assert(run.code !== 0, `exit code ${run.code}`);
  assertStringIncludes(run.stderr, "deno serve --parallel");
  const lines = oponnLines(run.stderr);
  assert(lines.length >= 1, run.stderr);
  for (const line of lines) assertStringIncludes(line, "DATABASE_URL must be set");
});
