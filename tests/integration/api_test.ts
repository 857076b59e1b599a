/**
 * The JSON API across processes (Postgres + Redis, two Oponns) and the demo
 * simulator against a real server: what it reports acknowledged is what the
 * ballot counts.
 */
import postgres from "postgres";
import { assert, assertEquals, assertMatch, assertNotIncludes } from "../_support/assert.ts";
import { Client, readCounts } from "../_support/client.ts";
import { createServerDatabase } from "../_support/databases.ts";
import { ApiContract } from "../_support/openapi.ts";
import { type OponnProcess, spawnOponn } from "../_support/oponn_process.ts";
import { startTestServer } from "../_support/server.ts";
import { SseReader } from "../_support/sse.ts";

const DATABASE = Deno.env.get("TEST_DATABASE_URL");
const REDIS = Deno.env.get("TEST_REDIS_URL");

// deno-lint-ignore no-explicit-any
async function post(url: string, body: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

Deno.test({
  name:
    "[postgres+redis] API across two processes: created on A, votes on A and B, JSON events on B resume with Last-Event-ID",
  ignore: !DATABASE || !REDIS,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await createServerDatabase(DATABASE!);
    const env = { DATABASE_URL: db.url, REDIS_URL: REDIS! };
    const processes: OponnProcess[] = [];
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      processes.push(await spawnOponn(env), await spawnOponn(env));
      const [a, b] = processes;
      const contract = await ApiContract.fetch(b.url);
      const created = await post(`${a.url}/api/v1/ballots`, {
        measure: "Across?",
        options: ["north", "south"],
        results_visibility: "after_close",
      });
      assertEquals(created.status, 201);
      contract.check("POST", "/ballots", 201, created.json);
      const id = created.json.id;

      const events = await SseReader.open(`${b.url}/api/v1/ballots/${id}/events`);
      let lastId: string;
      try {
        const first = await events.waitFor((e) => e.event === "results");
        contract.checkComponent("Results", JSON.parse(first.data));
        assertEquals(
          (await post(`${a.url}/api/v1/ballots/${id}/votes`, { option: "north" })).status,
          201,
        );
        assertEquals(
          (await post(`${b.url}/api/v1/ballots/${id}/votes`, { option: "south" })).status,
          201,
        );
        assertEquals(
          (await post(`${a.url}/api/v1/ballots/${id}/votes`, { option: "north" })).status,
          201,
        );
        const seen = await events.waitFor((e) =>
          e.event === "results" && JSON.parse(e.data).turnout.cast === 3
        );
        assertNotIncludes(events.raw, '"count"', "hidden: no count crosses processes either");
        lastId = seen.id!;
      } finally {
        await events.close();
      }

      // The owner closes through the manage link on A; B's stream shows the counts.
      const owner = new Client(a.url);
      const managePath = new URL(created.json.manage_url).pathname;
      await owner.open(managePath);
      await (await owner.post(`${managePath}/close`, {})).body?.cancel();
      const resumed = await SseReader.open(`${b.url}/api/v1/ballots/${id}/events`, {
        "Last-Event-ID": lastId,
      });
      try {
        const shown = await resumed.waitFor((e) =>
          e.event === "results" && JSON.parse(e.data).visible
        );
        const data = JSON.parse(shown.data);
        contract.checkComponent("Results", data);
        assertEquals(data.total, 3);
        assertEquals(data.winners, ["north"]);
      } finally {
        await resumed.close();
      }
      const [row] = await sql`select turnout::int as turnout from ballots where id = ${id}`;
      assertEquals(row.turnout, 3);
    } finally {
      await Promise.all(processes.map((p) => p.stop()));
      await sql.end();
      await db.drop();
    }
  },
});

const SIMULATOR = new URL("../../scripts/simulate.ts", import.meta.url);

async function runSimulator(args: string[]): Promise<{ code: number; out: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-read", SIMULATOR.pathname, ...args],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, out: decode(output.stdout) + decode(output.stderr) };
}

function summary(out: string): { sent: number; acknowledged: number } {
  const match = /sent (\d+), acknowledged (\d+)/.exec(out);
  assert(match, `the simulator prints what it sent and what was acknowledged:\n${out}`);
  return { sent: Number(match[1]), acknowledged: Number(match[2]) };
}

Deno.test({
  name: "simulator: N voters, each its own browser, through the vote form; acknowledged = counted",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startTestServer();
    try {
      // A browser ballot: it only counts every vote if every simulated voter is its own browser.
      const owner = new Client(server.url);
      const id = await owner.createBallot({
        measure: "Rehearsal",
        options_raw: "red, green, blue",
        duplicate_check: "browser",
      });
      const run = await runSimulator([
        `${server.url}/vote/${id}`,
        "--voters",
        "40",
        "--rate",
        "80",
      ]);
      assertEquals(run.code, 0, run.out);
      const { sent, acknowledged } = summary(run.out);
      assertEquals(sent, 40);
      assertEquals(acknowledged, 40);
      const counts = readCounts(await (await owner.get(`/results/${id}`)).text());
      const counted = Object.values(counts).reduce((sum, count) => sum + count, 0);
      assertEquals(counted, acknowledged, "the tally equals the acknowledged count");
      for (const [option, count] of Object.entries(counts)) {
        if (count > 0) assertMatch(run.out, new RegExp(`  ${option}: ${count}\\n`));
      }

      // A code ballot: one code per voter, from the codes CSV; a second run finds them used.
      const coded = await post(`${server.url}/api/v1/ballots`, {
        measure: "Coded rehearsal",
        options: ["yes", "no"],
        duplicate_check: "code",
        voter_codes: 12,
      });
      const file = await Deno.makeTempFile({ suffix: ".csv" });
      try {
        await Deno.writeTextFile(file, "code\r\n" + coded.json.voter_codes.join("\r\n") + "\r\n");
        const url = `${server.url}/vote/${coded.json.id}`;
        const first = await runSimulator([url, "--voters", "30", "--rate", "60", "--codes", file]);
        assertEquals(summary(first.out), { sent: 12, acknowledged: 12 }, "one voter per code");
        const again = await runSimulator([url, "--voters", "5", "--rate", "60", "--codes", file]);
        assertEquals(summary(again.out), { sent: 5, acknowledged: 0 });
        assertMatch(again.out, /refused 5×403/);
        assertEquals(again.code, 1, "nothing acknowledged is a failed rehearsal");
      } finally {
        await Deno.remove(file);
      }
      const results = await (await fetch(`${server.url}/api/v1/ballots/${coded.json.id}/results`))
        .json();
      assertEquals(results.total, 12);

      const remote = await runSimulator(["https://oponn.example/vote/abc", "--voters", "1"]);
      assertEquals(remote.code, 2, "a remote server needs --allow-remote");
      assertMatch(remote.out, /--allow-remote/);
    } finally {
      await server.close();
    }
  },
});
