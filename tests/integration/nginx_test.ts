/**
 * The production topology, run natively: Debian's nginx with deploy/nginx.conf
 * (its upstreams templated to loopback ports) in front of one Oponn process
 * per replica of compose.yaml (three), each run as the image runs it
 * (`deno serve --parallel` on serve.ts, here with two workers), on one fresh
 * Postgres database and the Redis at TEST_REDIS_URL. Everything a client does
 * here goes through nginx, as a browser would.
 *
 * Skipped (shown as ignored) without nginx, TEST_DATABASE_URL or TEST_REDIS_URL.
 */
import { parse } from "yaml";
import { assert, assertEquals } from "../_support/assert.ts";
import { Client, readCounts } from "../_support/client.ts";
import { createServerDatabase, type TestDatabase } from "../_support/databases.ts";
import { eventually, report, sleep } from "../_support/faults.ts";
import { LiveViewer } from "../_support/live_viewer.ts";
import {
  directiveArg,
  directives,
  freePort,
  type Nginx,
  NGINX_CONF,
  nginxBinary,
  nginxSeconds,
  parseNginx,
  startNginx,
  upstreamServers,
} from "../_support/nginx.ts";
import {
  type OponnProcess,
  serveParallelArgs,
  spawnOponn,
  stackTraceLines,
} from "../_support/oponn_process.ts";
import { RetryingVoters } from "../_support/retrying_voters.ts";
import { LAME_DUCK_MS } from "../../lib/ops/launch.ts";
import { SseReader } from "../_support/sse.ts";
import { storedVoteKeys, storedVotes } from "../_support/voters.ts";

const DATABASE = Deno.env.get("TEST_DATABASE_URL");
const REDIS = Deno.env.get("TEST_REDIS_URL");
const missing = [
  !nginxBinary() && "nginx is not installed (apt-get install -y nginx)",
  !DATABASE && "TEST_DATABASE_URL is not set",
  !REDIS && "TEST_REDIS_URL is not set",
].filter(Boolean);
if (missing.length) console.log(`nginx tests skipped: ${missing.join("; ")}`);

const ROOT = new URL("../../", import.meta.url);
/** The paths this test polls, as compose's health checks do (checked in the last step). */
const READY_PATH = "/readyz";
const ALIVE_PATH = "/healthz";
/** Updates through nginx must reach a viewer within this (they take tens of ms). */
const DELIVERY_BOUND_MS = 1_000;
/**
 * Each replica runs as the image does (the Dockerfile's CMD, which compose
 * does not override): `deno serve --parallel` on serve.ts, here with two
 * workers (`DENO_JOBS`) on the loopback. The last step checks this against
 * the Dockerfile.
 */
const REPLICA_WORKERS = 2;

interface Replica {
  /** The compose service name. */
  name: string;
  /** Its line in deploy/oponn-upstreams.conf (`name:port`), which the test maps to `port`. */
  upstream: string;
  port: number;
  process: OponnProcess;
  /** Every process that served as this replica, the current one last. */
  generations: OponnProcess[];
}

/** Until `url + READY_PATH` answers 200; the time it took. */
async function waitReady(url: string, timeoutMs = 15_000): Promise<number> {
  return await eventually(
    `${url}${READY_PATH} answers 200`,
    () =>
      fetch(url + READY_PATH).then(async (response) => {
        await response.body?.cancel();
        return response.status === 200;
      }, () => false),
    timeoutMs,
    50,
  );
}

/**
 * nginx's connections to the process on `port`: the established TCP
 * connections it accepted, less those whose other end is this test's (its
 * direct requests). With `deno serve --parallel` every worker keeps its own
 * counters, so the kernel says how many connections a process holds.
 */
async function nginxConnectionsTo(port: number): Promise<number> {
  const rows = (await Deno.readTextFile("/proc/net/tcp")).split("\n").slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((row) => row[3] === "01")
    .map((row) => ({ local: portOf(row[1]), remote: portOf(row[2]), inode: row[9] }));
  const mine = new Set<string>();
  for (const entry of Deno.readDirSync("/proc/self/fd")) {
    try {
      const socket = /^socket:\[(\d+)\]$/.exec(Deno.readLinkSync(`/proc/self/fd/${entry.name}`));
      if (socket) mine.add(socket[1]);
    } catch { /* closed meanwhile */ }
  }
  const testPorts = new Set(
    rows.filter((row) => row.remote === port && mine.has(row.inode)).map((row) => row.local),
  );
  return rows.filter((row) => row.local === port && !testPorts.has(row.remote)).length;
}

/** The port of a /proc/net/tcp address (`0100007F:1F90` → 8080). */
const portOf = (address: string) => parseInt(address.split(":")[1], 16);

/** Votes (`POST /vote/…`) nginx had answered by `replica` (its final upstream, 2xx/3xx) since log offset `from`. */
function votesServed(nginx: Nginx, replica: Replica, from: number): number {
  const served = new RegExp(
    `^POST /vote/\\S* \\d+ upstream=(?:\\S+, )*127\\.0\\.0\\.1:${replica.port} ` +
      `upstream_status=(?:[\\d-]+, )*[23]\\d\\d `,
    "gm",
  );
  return nginx.accessLog().slice(from).match(served)?.length ?? 0;
}

/**
 * Until nginx has answered a request with `replica` (its access log shows the
 * replica's address last, with a 2xx/3xx), from log offset `from`; the time it
 * took. `request` narrows it (`POST /vote/`: a vote, not just a probe).
 * Requests to ALIVE_PATH through nginx keep traffic going meanwhile.
 */
async function backInRotation(
  nginx: Nginx,
  replica: Replica,
  from: number,
  request = "GET /",
  timeoutMs = 15_000,
): Promise<number> {
  const served = new RegExp(
    `^${request}\\S* \\d+ upstream=(?:\\S+, )*127\\.0\\.0\\.1:${replica.port} ` +
      `upstream_status=(?:[\\d-]+, )*[23]\\d\\d `,
    "m",
  );
  return await eventually(
    `nginx sends ${request}… to ${replica.name} again`,
    async () => {
      const response = await fetch(`${nginx.url}${ALIVE_PATH}`).catch(() => undefined);
      await response?.body?.cancel();
      return served.test(nginx.accessLog().slice(from));
    },
    timeoutMs,
    50,
  );
}

/** nginx's answers to votes (`POST /vote/…`) from log offset `from`, by status: `{"303": 512, "502": 1}`. */
function voteAnswers(nginx: Nginx, from: number): Record<string, number> {
  const answers: Record<string, number> = {};
  for (const [, status] of nginx.accessLog().slice(from).matchAll(/^POST \/vote\/\S* (\d+) /gm)) {
    answers[status] = (answers[status] ?? 0) + 1;
  }
  return answers;
}

/** nginx's error log, counted by message (`connect() failed (111: …)` → 12). */
function errorKinds(log: string, from = 0): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const line of log.slice(from).split("\n").filter(Boolean)) {
    const message = /\[(\w+)\] \d+#\d+: (?:\*\d+ )?([^,]*)/.exec(line);
    const key = message ? `${message[1]}: ${message[2]}` : line;
    kinds[key] = (kinds[key] ?? 0) + 1;
  }
  return kinds;
}

/** Votes shown by a results event (its ids need not be the total). */
const totalOf = (html: string) => Object.values(readCounts(html)).reduce((a, b) => a + b, 0);

function figures(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const median = sorted.length % 2
    ? sorted[(sorted.length - 1) / 2]
    : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  const round = (n: number) => Math.round(n * 10) / 10;
  return { median: round(median), p90: round(at(0.9)), worst: round(sorted.at(-1)!) };
}

/** `work`, or an error after `ms` (a proxy that holds back response headers must not hang the test). */
async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** SIGTERM and wait (bounded) for the exit. */
async function terminate(process: OponnProcess, timeoutMs = 12_000) {
  const at = performance.now();
  process.kill("SIGTERM");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const status = await Promise.race([
    process.exited,
    new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (!status) {
    throw new Error(`process ${process.pid} still running ${timeoutMs} ms after SIGTERM`);
  }
  return { code: status.code, ms: Math.round(performance.now() - at) };
}

Deno.test({
  name: "nginx with deploy/nginx.conf in front of three Oponn processes (production topology)",
  ignore: missing.length > 0,
  // Child processes, streams and their pipes outlive single steps on purpose.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const testStarted = performance.now();
    const db: TestDatabase = await createServerDatabase(DATABASE!);
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: REDIS!,
      OPONN_ENV: "production",
      // The load below is one address (the loopback) voting hundreds of times a second.
      OPONN_RATE_LIMIT: "off",
      // Every replica must accept the cookies the others issued (as compose must give them).
      OPONN_SECRET: crypto.randomUUID() + crypto.randomUUID(),
      OPONN_TRUSTED_PROXIES: "127.0.0.1",
    };
    const services = (await upstreamServers()).map((server) => server.address);
    const replicas: Replica[] = [];
    let nginx: Nginx | undefined;
    const viewers = new Set<LiveViewer>();
    const readers: SseReader[] = [];
    const closeViewers = (list: LiveViewer[]) =>
      Promise.all(list.map((viewer) => viewers.delete(viewer) ? viewer.close() : undefined));
    let passed = true;
    const stepsPassed: boolean[] = [];
    const ran = {
      readyAnswered: 0,
      aliveThroughNginx: 0,
      services: [] as string[],
      /** Each replica process: Deno's arguments, and the HOST and PORT it was given. */
      commands: [] as { args: string[]; env: Record<string, string> }[],
    };
    const spawnReplica = (port: number) => {
      const args = serveParallelArgs(port);
      const given = { HOST: "127.0.0.1", PORT: String(port) };
      ran.commands.push({ args, env: given });
      return spawnOponn({ ...env, ...given, DENO_JOBS: String(REPLICA_WORKERS) }, { args });
    };
    try {
      assert(services.length >= 2, `replicas in deploy/oponn-upstreams.conf: ${services}`);
      const started = await Promise.allSettled(services.map(async (address) => {
        const port = freePort();
        const process = await spawnReplica(port);
        const name = address.split(":")[0];
        return { name, upstream: address, port, process, generations: [process] };
      }));
      for (const result of started) if (result.status === "fulfilled") replicas.push(result.value);
      const failed = started.find((result) => result.status === "rejected");
      if (failed) throw (failed as PromiseRejectedResult).reason;
      await Promise.all(replicas.map((replica) => waitReady(replica.process.url)));
      ran.readyAnswered = replicas.length;
      ran.services = replicas.map((replica) => replica.name);
      nginx = await startNginx(
        Object.fromEntries(replicas.map((r) => [r.upstream, `127.0.0.1:${r.port}`])),
        { readyPath: ALIVE_PATH },
      );
      ran.aliveThroughNginx = 1;
      const front = nginx.url;
      const owner = new Client(front);
      console.log(
        `nginx :${nginx.port} → ${replicas.map((r) => `${r.name}=:${r.port}`).join(" ")} ` +
          `(up in ${Math.round(performance.now() - testStarted)} ms)`,
      );

      stepsPassed.push(
        await t.step(
          "SSE passes through unbuffered: a vote through nginx reaches a viewer through nginx within 1 s, as direct",
          async () => {
            try {
              const id = await owner.createBallot({
                measure: "Through nginx",
                options_raw: "x, y",
              });
              const viaNginx = await within(
                SseReader.open(`${front}/ballots/${id}/live-results`),
                DELIVERY_BOUND_MS,
                "live-results response headers through nginx",
              );
              readers.push(viaNginx);
              const direct = await within(
                SseReader.open(`${replicas[0].process.url}/ballots/${id}/live-results`),
                DELIVERY_BOUND_MS,
                "live-results response headers from the process",
              );
              readers.push(direct);
              const type = viaNginx.response.headers.get("content-type") ?? "";
              assert(type.startsWith("text/event-stream"), `content type through nginx: ${type}`);
              assertEquals(
                viaNginx.response.headers.get("content-length"),
                null,
                "a stream, not a body",
              );
              // A buffering proxy holds even the first event (a few hundred bytes).
              await viaNginx.waitFor(
                (e) => e.event === "results" && totalOf(e.data) === 0,
                DELIVERY_BOUND_MS,
              );
              await direct.waitFor(
                (e) => e.event === "results" && totalOf(e.data) === 0,
                DELIVERY_BOUND_MS,
              );

              const throughNginx: number[] = [];
              const toProcess: number[] = [];
              const VOTES = 30;
              for (let n = 1; n <= VOTES; n++) {
                // Past the 100 ms coalescing window, so each vote is flushed on its own.
                await sleep(110);
                const castAt = performance.now();
                const response = await owner.post(`/vote/${id}`, { option: n % 3 ? "x" : "y" }, {
                  // As a browser posts it: the origin the page was loaded from (nginx's, with its port).
                  headers: { origin: front, "sec-fetch-site": "same-origin" },
                });
                await response.body?.cancel();
                assertEquals(response.status, 303, `vote ${n} through nginx`);
                const [a, b] = await Promise.all([
                  viaNginx.waitFor(
                    (e) => e.event === "results" && totalOf(e.data) === n,
                    2 * DELIVERY_BOUND_MS,
                  ),
                  direct.waitFor(
                    (e) => e.event === "results" && totalOf(e.data) === n,
                    2 * DELIVERY_BOUND_MS,
                  ),
                ]);
                throughNginx.push(a.receivedAt - castAt);
                toProcess.push(b.receivedAt - castAt);
                assertEquals(
                  readCounts(a.data),
                  readCounts(b.data),
                  `event ${n}: same totals both ways`,
                );
              }
              const last = viaNginx.events.findLast((e) => e.event === "results")!;
              assertEquals(readCounts(last.data), { x: 20, y: 10 });
              report("nginx_sse", {
                votes: VOTES,
                through_nginx_ms: figures(throughNginx),
                direct_ms: figures(toProcess),
              });
              const late = throughNginx.filter((ms) => ms >= DELIVERY_BOUND_MS);
              assertEquals(
                late.length,
                0,
                `updates through nginx slower than ${DELIVERY_BOUND_MS} ms`,
              );
            } finally {
              // Released at once, so the next step counts only its own viewers.
              await Promise.all(readers.splice(0).map((reader) => reader.close()));
            }
          },
        ),
      );

      stepsPassed.push(
        await t.step(
          "SIGKILL one process: its viewers reconnect through nginx with Last-Event-ID and get the current totals",
          async () => {
            const errorsFrom = nginx!.errorLog().length;
            const id = await owner.createBallot({
              measure: "Kill behind nginx",
              options_raw: RetryingVoters.options(2),
            });
            const VIEWERS = 6;
            const mine: LiveViewer[] = [];
            for (let i = 0; i < VIEWERS; i++) {
              const viewer = new LiveViewer(`${front}/ballots/${id}/live-results`);
              viewers.add(viewer);
              mine.push(viewer);
              await eventually(
                "viewer connected through nginx",
                () => viewer.total === 0,
                5_000,
                10,
              );
            }
            // Which process holds how many: nginx's connections to each, once the idle
            // keep-alive ones (closed after the upstream keepalive_timeout, 4 s) are gone
            // and only the streams are left (the previous step's are released by now).
            let held: number[] = [];
            const countedIn = await eventually("viewers counted on the processes", async () => {
              held = await Promise.all(replicas.map((r) => nginxConnectionsTo(r.port)));
              return held.reduce((a, b) => a + b, 0) === VIEWERS;
            }, 8_000);
            const victimIndex = held.indexOf(Math.max(...held));
            const victim = replicas[victimIndex];
            assert(held[victimIndex] < VIEWERS, `least_conn spread the viewers: ${held}`);

            const voters = new RetryingVoters(front, id, 1);
            await voters.open();
            for (let n = 0; n < 3; n++) await voters.cast(0, n % 2 === 0);
            await Promise.all(mine.map((viewer) => viewer.waitForTotal(3, 2_000)));

            // The id of the event that showed 3 votes: what a reconnect must send back.
            const idsBeforeKill = new Map(mine.map((viewer) => [viewer, viewer.lastEventId]));
            assert(mine.every((viewer) => viewer.lastEventId), "events carry an id");
            const killAt = performance.now();
            victim.process.kill("SIGKILL");
            await victim.process.exited;
            try {
              // Votes while its viewers are away: they must see them when they are back.
              for (let n = 0; n < 2; n++) await voters.cast(0, n % 2 === 0);
              const stored = Object.values(await storedVotes(db.url, id)).reduce(
                (a, b) => a + b,
                0,
              );
              const settled = await Promise.all(
                mine.map((viewer) => viewer.waitForTotal(stored, 8_000)),
              );

              const moved = mine.filter((viewer) => viewer.connects.length > 1);
              const answered = moved.map((viewer) =>
                viewer.connects.slice(1).find((c) => c.status === 200)
              );
              const backAfter = moved.map((viewer, i) => {
                const connect = answered[i];
                const first = connect && viewer.resultsAt.find((at) => at >= connect.at);
                return first === undefined ? Infinity : Math.round(first - killAt);
              });
              report("nginx_sigkill", {
                viewers: VIEWERS,
                per_process: held,
                counted_in_ms: countedIn,
                on_killed: held[victimIndex],
                moved: moved.length,
                last_event_ids: answered.map((
                  c,
                  i,
                ) => [idsBeforeKill.get(moved[i]), c?.lastEventId]),
                reconnect_attempts: moved.map((v) => v.connects.length - 1),
                current_totals_after_kill_ms: backAfter,
                settled_ms: settled.map(Math.round),
                votes: voters.statuses(),
                retries: voters.retries,
                stored,
                nginx_errors: errorKinds(nginx!.errorLog(), errorsFrom),
              });
              assertEquals(voters.failed.length, 0, "every vote through nginx acknowledged");
              assertEquals(stored, 5, "the 5 acknowledged votes, once each");
              assertEquals(
                moved.length,
                held[victimIndex],
                "exactly the killed process's viewers moved",
              );
              for (const [i, viewer] of moved.entries()) {
                assertEquals(viewer.gaveUp, undefined, "no reconnect was refused");
                assertEquals(
                  answered[i]?.lastEventId,
                  idsBeforeKill.get(viewer),
                  "the reconnect sent the id of the last event it had (3 votes) as Last-Event-ID",
                );
                assert(backAfter[i] < 6_000, `current totals ${backAfter[i]} ms after the kill`);
              }
              for (const viewer of mine) {
                assertEquals(viewer.counts, {
                  [RetryingVoters.labelOf(0)]: 5,
                  [RetryingVoters.labelOf(1)]: 0,
                });
              }
            } finally {
              // Back to three for the next step, on the same address nginx knows.
              const logFrom = nginx!.accessLog().length;
              victim.process = await spawnReplica(victim.port);
              victim.generations.push(victim.process);
              await waitReady(victim.process.url);
              const rotationMs = await backInRotation(nginx!, victim, logFrom);
              console.log(
                `${victim.name} restarted: back in nginx's rotation after ${rotationMs} ms`,
              );
            }
            await closeViewers(mine);
          },
        ),
      );

      stepsPassed.push(
        await t.step(
          "rolling restart (SIGTERM, one at a time) under votes through nginx: every vote acknowledged at the first attempt, none lost, none counted twice",
          async () => {
            const VOTERS = 8;
            const errorsFrom = nginx!.errorLog().length;
            const id = await owner.createBallot({
              measure: "Rolling restart",
              options_raw: RetryingVoters.options(VOTERS),
            });
            const mine = [0, 1, 2].map(() => new LiveViewer(`${front}/ballots/${id}/live-results`));
            mine.forEach((viewer) => viewers.add(viewer));
            await Promise.all(mine.map((viewer) => viewer.waitForTotal(0, 5_000)));
            const voters = new RetryingVoters(front, id, VOTERS);
            await voters.open();
            const votingFrom = performance.now();
            voters.start({ pauseMs: 20, maxVotes: 2_000, maxMs: 60_000 });
            const restarts: Record<string, unknown>[] = [];
            const exits: { code: number; ms: number }[] = [];
            /** Where nginx's access log stood when each replica's new process started. */
            const restartedAt = new Map<Replica, number>();
            try {
              await sleep(500);
              for (const replica of replicas) {
                const old = replica.process;
                const stoppedAt = nginx!.accessLog().length;
                const exit = await terminate(old);
                exits.push(exit);
                const startAt = performance.now();
                const logFrom = nginx!.accessLog().length;
                restartedAt.set(replica, logFrom);
                replica.process = await spawnReplica(replica.port);
                replica.generations.push(replica.process);
                await waitReady(replica.process.url);
                const readyMs = Math.round(performance.now() - startAt);
                // As an orchestrator should: the next one only once nginx uses this one again.
                const rotationMs = await backInRotation(nginx!, replica, logFrom, "POST /vote/");
                restarts.push({
                  name: replica.name,
                  exit_code: exit.code,
                  exit_ms: exit.ms,
                  ready_ms: readyMs,
                  in_rotation_ms: readyMs + rotationMs,
                  acked_so_far: voters.acked.length,
                  // From the SIGTERM until nginx used the new process for a vote.
                  vote_answers: voteAnswers(nginx!, stoppedAt),
                });
              }
              await sleep(300);
            } finally {
              await voters.stop();
            }
            const votingMs = Math.round(performance.now() - votingFrom);
            const stored = await storedVotes(db.url, id);
            const account = voters.account(stored);
            const keys = await storedVoteKeys(db.url, id);
            const page = await (await owner.get(`/results/${id}`)).text();
            const pageTotal = totalOf(page);
            const settled = await Promise.all(
              mine.map((viewer) =>
                viewer.waitForTotal(account.stored, 8_000).catch(() => Infinity)
              ),
            );
            const served = replicas.map((r) => votesServed(nginx!, r, restartedAt.get(r)!));
            const statuses = voters.statuses();
            report("nginx_rolling_restart", {
              ...account,
              voting_ms: votingMs,
              votes_per_s: Math.round(account.acked / (votingMs / 1000)),
              results_page_total: pageTotal,
              statuses,
              retries: voters.retries,
              retried_then_acked: voters.retriedThenAcked,
              failed: voters.failed.length,
              restarts,
              votes_on_restarted: served,
              viewer_reconnects: mine.map((v) => v.connects.length - 1),
              viewers_settled_ms: settled.map(Math.round),
              nginx_errors: errorKinds(nginx!.errorLog(), errorsFrom),
              vote_keys: keys,
            });
            for (const exit of exits) {
              assertEquals(exit.code, 0, "SIGTERM ends a process cleanly");
              assert(exit.ms < 10_000, `exited ${exit.ms} ms after SIGTERM`);
              // Deno's serve loop stops listening at once; each worker stays up (draining)
              // LAME_DUCK_MS so that its exit cuts no connection the loop is finishing.
              assert(exit.ms >= LAME_DUCK_MS, `exited ${exit.ms} ms after SIGTERM`);
            }
            assert(account.acked > 100, `votes went on during the restarts (${account.acked})`);
            assertEquals(account.lost, 0, "acknowledged votes missing from the database");
            // nginx resends a vote whose replica closed the connection (each vote carries
            // its request id as its idempotency key): no voter sees a 502 or 503.
            assertEquals(
              Object.keys(statuses).filter((s) => !["204", "303"].includes(s)),
              [],
              "answers other than an acknowledgement",
            );
            assertEquals(account.inDoubt, 0, "stored votes without an acknowledgement");
            assertEquals(
              keys,
              { keys: account.stored, nginxRequestIds: account.stored },
              "every vote recorded nginx's request id as its key",
            );
            assertEquals(
              voters.failed.map((v) => v.attempts),
              [],
              "votes that failed for the voter",
            );
            assertEquals(
              pageTotal,
              account.stored,
              "the results page through nginx shows every vote",
            );
            for (const [i, viewer] of mine.entries()) {
              assertEquals(
                viewer.gaveUp,
                undefined,
                "nginx never answered a reconnect with an error",
              );
              assert(
                settled[i] < Infinity,
                `viewer ${i} shows ${viewer.total}, not ${account.stored}`,
              );
            }
            assert(served.every((n) => n > 0), `every restarted process took votes: ${served}`);
            for (const replica of replicas) {
              for (const process of replica.generations.slice(0, -1)) {
                assertEquals(
                  stackTraceLines(process.stderr()),
                  [],
                  `no stack trace (${replica.name})`,
                );
              }
            }
            await closeViewers(mine);
          },
        ),
      );

      stepsPassed.push(
        await t.step(
          "compose.yaml runs what this test ran: services, ports, upstreams, health checks, the replica command",
          async () => {
            interface Service {
              build?: unknown;
              command?: string | string[];
              environment?: Record<string, string>;
              ports?: string[];
              volumes?: string[];
              healthcheck?: { test: string | string[] };
              ulimits?: { nofile?: number | { soft: number; hard: number } };
            }
            const compose = parse(await Deno.readTextFile(new URL("compose.yaml", ROOT))) as {
              services: Record<string, Service>;
            };
            const services = compose.services;
            const oponn = Object.entries(services).filter(([, s]) =>
              s.build && s.environment?.REDIS_URL
            );
            // The upstream lines the test mapped are the compose replicas, on their PORT.
            const upstreams = await upstreamServers();
            assertEquals(
              upstreams.map((u) => u.address).sort(),
              oponn.map(([name, s]) => `${name}:${s.environment?.PORT}`).sort(),
              "deploy/oponn-upstreams.conf lists every compose replica on its PORT",
            );
            assertEquals(oponn.map(([name]) => name).sort(), [...ran.services].sort());
            assertEquals(
              ran.services.length,
              3,
              "three processes ran, as compose runs three replicas",
            );
            const dockerfile = await Deno.readTextFile(new URL("Dockerfile", ROOT));
            const dockerPort = /^ENV [\s\S]*?PORT=(\d+)/m.exec(dockerfile)?.[1];
            // The image's command: the `exec deno …` of its CMD (`sh -c` raises the
            // descriptor limit first), words unquoted (`"$PORT"` → `$PORT`).
            const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? "[]") as string[];
            const shell = cmd[0] === "sh" && cmd[1] === "-c" ? cmd[2] : cmd.join(" ");
            const words = (line: string) =>
              line.trim().split(/\s+/).map((word) => word.replace(/^"(.*)"$/, "$1"));
            const imageCommand = words(/(?:^|[;&]\s*)exec (deno .*)$/.exec(shell)?.[1] ?? "");
            assertEquals(imageCommand.slice(0, 3), ["deno", "serve", "--parallel"], shell);
            assert(ran.commands.length >= ran.services.length, "every replica process recorded");
            for (const [name, service] of oponn) {
              assertEquals(service.environment?.PORT, dockerPort, `${name}: the image's PORT`);
              assertEquals(
                service.environment?.OPONN_ENV,
                env.OPONN_ENV,
                `${name}: the mode the test ran`,
              );
              // What the test had to give each process, compose gives each replica (the
              // rate limit stays on in production: only this test's load turns it off).
              const given = Object.keys(env).filter((key) => key !== "OPONN_RATE_LIMIT");
              const missing = given.filter((key) => !service.environment?.[key]);
              assertEquals(missing, [], `${name}: environment the processes needed`);
              // Compose keeps the image's command; every process the test ran ran it, with the
              // HOST and PORT the test gave instead of the container's.
              const command = service.command === undefined
                ? imageCommand
                : words([service.command].flat().join(" "));
              for (const process of ran.commands) {
                assertEquals(
                  [Deno.execPath(), ...process.args],
                  command.map((word, i) =>
                    i === 0 && word === "deno"
                      ? Deno.execPath()
                      : word.replace(/^\$(\w+)$/, (_, key: string) => process.env[key] ?? word)
                  ),
                  `${name}: the command the test ran is the image's (${command.join(" ")})`,
                );
              }
              const check = [service.healthcheck?.test ?? []].flat().join(" ");
              assertEquals(/https?:\/\/[^/\s'"]+(\/[\w/-]*)/.exec(check)?.[1], READY_PATH, name);
              assert(
                check.includes(`:${service.environment?.PORT}/`),
                `${name} checks its own port`,
              );
            }
            assertEquals(
              ran.readyAnswered,
              ran.services.length,
              `every process answered ${READY_PATH}`,
            );

            // The load balancer: the template's listen port is the published container port.
            const lb = Object.entries(services).find(([, s]) =>
              s.volumes?.some((v) => v.startsWith("./deploy/nginx.conf:"))
            );
            assert(lb, "a service mounts deploy/nginx.conf");
            const [, balancer] = lb;
            const http = directives(parseNginx(await Deno.readTextFile(NGINX_CONF)), "http")[0]
              .block!;
            const server = directives(http, "server")[0].block!;
            assertEquals(directiveArg(server, "listen"), "80");
            assertEquals(balancer.ports?.map((p) => p.split(":").at(-1)), ["80"]);
            const mounts = Object.fromEntries(
              balancer.volumes!.map((v) => v.split(":")).map(([from, to]) => [from, to]),
            );
            const confDir = mounts["./deploy/nginx.conf"].replace(/[^/]+$/, "");
            const include = directiveArg(directives(http, "upstream")[0].block!, "include");
            // A draining `deno run main.ts` (SIGTERM) listens on until nginx has let go of its
            // idle keep-alive connections to it: none is left when the listener closes.
            const upstreamIdle = directiveArg(
              directives(http, "upstream")[0].block!,
              "keepalive_timeout",
            );
            assert(upstreamIdle, "the upstream block sets keepalive_timeout");
            assert(
              nginxSeconds(upstreamIdle) * 1000 + 500 <= LAME_DUCK_MS,
              `upstream keepalive_timeout ${upstreamIdle} vs the ${LAME_DUCK_MS} ms drain`,
            );
            assertEquals(
              mounts["./deploy/oponn-upstreams.conf"],
              confDir + include,
              "the upstreams file is mounted where nginx.conf includes it",
            );
            const lbCheck = [balancer.healthcheck?.test ?? []].flat().join(" ");
            assertEquals(/http:\/\/127\.0\.0\.1(?::80)?(\/\S*)/.exec(lbCheck)?.[1], ALIVE_PATH);
            assertEquals(ran.aliveThroughNginx, 1, `${ALIVE_PATH} answered 200 through nginx`);
            for (const path of [READY_PATH, ALIVE_PATH]) {
              const route = new URL(`routes${path}.ts`, ROOT);
              assert((await Deno.stat(route)).isFile, `route file for ${path}`);
            }
            // The descriptor limit compose gives covers what nginx.conf asks for.
            const nofile = (s: Service) => {
              const value = s.ulimits?.nofile;
              return typeof value === "number"
                ? value
                : Math.min(value?.soft ?? 0, value?.hard ?? 0);
            };
            const asked = Number(
              directiveArg(parseNginx(await Deno.readTextFile(NGINX_CONF)), "worker_rlimit_nofile"),
            );
            assert(nofile(balancer) >= asked, `lb nofile ${nofile(balancer)} < ${asked}`);
            for (const [name, service] of oponn) {
              assert(nofile(service) >= 65_536, `${name} nofile`);
            }
          },
        ),
      );
    } catch (error) {
      passed = false;
      throw error;
    } finally {
      passed &&= stepsPassed.every(Boolean);
      await Promise.all(readers.map((reader) => reader.close()));
      await closeViewers([...viewers]);
      if (!passed) {
        // What the servers said, for whoever reads the failure.
        console.log(
          `nginx error log (tail):\n${nginx?.errorLog().slice(-2_000) ?? "(not started)"}`,
        );
        for (const replica of replicas) {
          for (const process of replica.generations) {
            const traces = stackTraceLines(process.stderr());
            if (traces.length) {
              console.log(
                `${replica.name} (pid ${process.pid}) stderr:\n${process.stderr().slice(0, 1_500)}`,
              );
            }
          }
        }
      }
      await nginx?.stop();
      await Promise.all(replicas.map((replica) => replica.process.stop()));
      await db.drop();
      console.log(`nginx test: ${Math.round(performance.now() - testStarted)} ms in all`);
    }
  },
});
