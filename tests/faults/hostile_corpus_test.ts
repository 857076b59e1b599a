/**
 * The hostile-input corpus (tests/_support/hostile.ts) against one real Oponn
 * process: every case answers below 500 without internal error text, nothing
 * is written, and the process is still alive and serving at the end.
 *
 * The server runs on a fresh database of the Postgres server when
 * TEST_DATABASE_URL is set (then "nothing written" is also read in SQL), else
 * on the embedded in-memory database. Cases go one at a time on fresh
 * connections, so each one's server CPU (from /proc) is known; the costliest
 * are printed as a figure, not asserted: `deno task bench` measures cost.
 *
 * Two bounds keep a slow server from stalling the suite, neither a timing
 * assertion: a case unanswered after HOSTILE_CASE_TIMEOUT_S (default 10) and
 * cases not sent within HOSTILE_BUDGET_S (default 45) are failures.
 * HOSTILE_FILTER=<regex> runs only the matching cases; HOSTILE_VERBOSE=1 prints each answer.
 */
import postgres from "postgres";
import { assert, assertEquals } from "../_support/assert.ts";
import { Client, readCounts } from "../_support/client.ts";
import { createServerDatabase, type TestDatabase } from "../_support/databases.ts";
import { report } from "../_support/faults.ts";
import { type HostileCase, hostileCorpus, sendCase } from "../_support/hostile.ts";
import { spawnOponn, stackTraceLines } from "../_support/oponn_process.ts";

const CASE_TIMEOUT_MS = Number(Deno.env.get("HOSTILE_CASE_TIMEOUT_S") ?? 10) * 1000;
const BUDGET_MS = Number(Deno.env.get("HOSTILE_BUDGET_S") ?? 45) * 1000;
const FILTER = Deno.env.get("HOSTILE_FILTER");
const VERBOSE = Deno.env.get("HOSTILE_VERBOSE") === "1";

/** Internal error text a response must never carry. */
const LEAKS = [
  /^\s+at /m,
  /\bat (file|ext|node):\/\//,
  /node_modules/,
  /\.tsx?:\d+/,
  // SQL text, not a page's <select>: no markup between the keywords.
  /\bselect [^<>\n]{1,200} from [a-z_]+\b/i,
  /\binsert into [a-z_]+ ?\(/i,
  /\bupdate [a-z_]+ set\b/i,
  /syntax error at/i,
  /PostgresError|ECONNREFUSED|TypeError|ReferenceError|RangeError|SyntaxError|URIError/,
  /internal_error|Internal Server Error/i,
];

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** CPU time (user + system) a process has used, in ms: /proc ticks are 10 ms here. */
function cpuMs(pid: number): number {
  let stat: string;
  try {
    stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return NaN; // the process is gone: the end check says so
  }
  const fields = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** What a write would change: the listed ballots, both targets' counts, every table (Postgres). */
async function writtenState(client: Client, ids: string[], sql?: postgres.Sql) {
  const home = await (await client.get("/")).text();
  const listed = [...new Set([...home.matchAll(/href="\/vote\/([^"?#/]+)"/g)].map((m) => m[1]))]
    .sort();
  const counts: Record<string, Record<string, number>> = {};
  for (const id of ids) counts[id] = readCounts(await (await client.get(`/results/${id}`)).text());
  // Every table's rows, digested: any insert, update or delete changes it.
  const tables: Record<string, string> = {};
  if (sql) {
    const names = await sql<{ name: string }[]>`
      select table_name as name from information_schema.tables
      where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`;
    for (const { name } of names) {
      const [row] = await sql.unsafe(
        `select count(*)::text || ':' || coalesce(md5(string_agg(t::text, ',' order by t::text)), '')
           as digest from "${name}" t`,
      );
      tables[name] = row.digest;
    }
  }
  return { listed, counts, tables };
}

/** Polls /healthz until it answers 200 or `withinMs` passes: whether it did, and when. */
async function untilHealthy(
  url: string,
  withinMs: number,
  gone: () => boolean,
): Promise<{ ok: boolean; ms: number }> {
  const started = performance.now();
  while (performance.now() - started < withinMs && !gone()) {
    const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) })
      .then(async (response) => {
        await response.body?.cancel();
        return response.status === 200;
      })
      .catch(() => false);
    if (ok) return { ok, ms: performance.now() - started };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { ok: false, ms: performance.now() - started };
}

/** What is wrong with one answer, if anything. */
function problemsOf(c: HostileCase, status: number, body: string, error: string): string[] {
  const found: string[] = [];
  if (status === 0) found.push(`no answer (${error})`);
  if (status >= 500) found.push(`status ${status}: ${body.replace(/\s+/g, " ").slice(0, 160)}`);
  // A refusal must not be a success; a 200 is the create form with its field errors.
  if (
    WRITE_METHODS.has(c.method) &&
    (status === 201 || status === 204 || (status >= 300 && status < 400))
  ) {
    found.push(`accepted (${status})`);
  }
  for (const leak of LEAKS) {
    const match = leak.exec(body);
    if (match) found.push(`status ${status}, body shows ${JSON.stringify(match[0].slice(0, 60))}`);
  }
  return found;
}

Deno.test({
  name:
    "hostile corpus: every route × urlencoded, multipart and other bodies × hostile shapes answers < 500, writes nothing, leaves the process alive",
  async fn() {
    const serverUrl = Deno.env.get("TEST_DATABASE_URL");
    const db: TestDatabase | undefined = serverUrl
      ? await createServerDatabase(serverUrl)
      : undefined;
    console.log(
      `hostile corpus on ${db ? "a fresh Postgres database" : "the embedded in-memory database"}`,
    );
    const oponn = await spawnOponn({
      DATABASE_URL: db?.url ?? "memory://",
      OPONN_RATE_LIMIT: "off",
      OPONN_SECRET: "hostile-corpus-secret-".padEnd(48, "x"),
    }, { startTimeoutMs: 60_000 });
    const sql = db ? postgres(db.url, { max: 1, onnotice: () => {} }) : undefined;
    try {
      const client = new Client(oponn.url);
      const ballotId = await client.createBallot({
        measure: "Hostile target",
        options_raw: "alpha, beta",
      });
      const writeInBallotId = await client.createBallot({
        measure: "Hostile write-in target",
        options_raw: "alpha",
        allow_write_in: "on",
      });
      const votePage = await client.open(`/vote/${ballotId}`);
      assert(client.csrfToken, "the vote page carries a CSRF token");
      // The owner's manage link, where the server has one: its actions join the corpus.
      const manageTag = /<a [^>]*data-manage-link[^>]*>/.exec(votePage)?.[0];
      const manageLink = manageTag && /href="([^"]+)"/.exec(manageTag)?.[1];
      const manageKey = manageLink && new URL(manageLink, oponn.url).pathname.split("/")[3];
      const ids = [ballotId, writeInBallotId];
      const before = await writtenState(client, ids, sql);

      let corpus = hostileCorpus({
        ballotId,
        writeInBallotId,
        auth: { cookie: client.cookieHeader(), token: client.csrfToken },
        manageKey,
      });
      if (FILTER) corpus = corpus.filter((c) => new RegExp(FILTER).test(c.name));

      const problems: string[] = [];
      const statuses: Record<number, number> = {};
      const costs: { name: string; cpuMs: number; ms: number; status: number }[] = [];
      const started = performance.now();
      let sent = 0;
      let exited = false;
      oponn.exited.then(() => (exited = true));
      for (const c of corpus) {
        if (performance.now() - started > BUDGET_MS) break;
        if (exited) break;
        const cpuBefore = cpuMs(oponn.pid);
        const answer = await sendCase("127.0.0.1", oponn.port, c, CASE_TIMEOUT_MS);
        sent++;
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
        const cpu = cpuMs(oponn.pid) - cpuBefore;
        costs.push({ name: c.name, cpuMs: cpu, ms: answer.ms, status: answer.status });
        if (VERBOSE) console.log(`${answer.status} ${answer.ms.toFixed(0)}ms ${cpu}cpu ${c.name}`);
        const found = problemsOf(c, answer.status, answer.body, answer.error);
        if (answer.status === 0 && !exited) {
          // The server may still be chewing on it: wait, so the next case is judged on its own.
          const left = BUDGET_MS - (performance.now() - started);
          const busy = await untilHealthy(oponn.url, left, () => exited);
          if (busy.ok) {
            found.push(`the server answered /healthz again ${(busy.ms / 1000).toFixed(1)} s later`);
          } else if (!exited) {
            found.push(
              `the server did not answer /healthz in the ${(left / 1000).toFixed(1)} s left`,
            );
          }
        }
        if (exited) found.push(`the process exited: ${oponn.stderr().slice(-600)}`);
        for (const problem of found) problems.push(`${c.name}: ${problem}`);
      }
      const elapsedS = (performance.now() - started) / 1000;
      if (sent < corpus.length) {
        const why = exited ? "after the process exited" : `within ${BUDGET_MS / 1000} s`;
        problems.push(
          `${corpus.length - sent} of ${corpus.length} cases not sent ${why} ` +
            `(first: ${corpus[sent].name})`,
        );
      }

      const slowest = [...costs].sort((a, b) => b.cpuMs - a.cpuMs || b.ms - a.ms).slice(0, 12);
      report("hostile-corpus", {
        database: db ? "postgres" : "embedded",
        cases: corpus.length,
        sent,
        seconds: elapsedS.toFixed(1),
        server_cpu_ms: costs.reduce((sum, cost) => sum + (cost.cpuMs || 0), 0),
        statuses,
        problems: problems.length,
      });
      console.log(
        "costliest cases (server CPU ms, answer ms, status):\n" +
          slowest.map((cost) =>
            `  ${String(cost.cpuMs).padStart(6)} ${
              cost.ms.toFixed(0).padStart(6)
            } ${cost.status} ${cost.name}`
          ).join("\n"),
      );

      const health = await fetch(`${oponn.url}/healthz`).catch((error) => error as Error);
      const alive = !(health instanceof Error) && health.status === 200;
      if (!(health instanceof Error)) await health.body?.cancel();
      if (!alive) {
        problems.push(
          `the process does not answer /healthz 200; its log: ${oponn.stderr().slice(-1500)}`,
        );
      } else {
        const after = await writtenState(client, ids, sql);
        if (JSON.stringify(after) !== JSON.stringify(before)) {
          problems.push(
            `something was written: before ${JSON.stringify(before)}, after ${
              JSON.stringify(after)
            }`,
          );
        }
      }
      const traces = stackTraceLines(oponn.stderr());
      if (traces.length) {
        problems.push(`stack traces in the server's log: ${traces.slice(0, 5).join(" | ")}`);
      }

      const shown = problems.slice(0, 100).join("\n  ");
      const more = problems.length > 100 ? `\n  … and ${problems.length - 100} more` : "";
      assertEquals(
        problems.length,
        0,
        `hostile corpus: ${problems.length} problems:\n  ${shown}${more}\n`,
      );
    } finally {
      await sql?.end({ timeout: 2 });
      await oponn.stop();
      await db?.drop();
    }
  },
});
