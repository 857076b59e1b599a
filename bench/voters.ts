/**
 * Load generator process: `connections` voters, each one a browser tab with its
 * own cookie and CSRF token on its own keep-alive connection, posting the vote
 * form as htmx does, back to back (closed loop) or on a fixed schedule
 * (`ratePerS`, open loop). Like a browser, a voter keeps the "voted" cookie
 * each answer sets and sends it with its next vote. Prints `RESULT {json}` on
 * its last line.
 *
 * With `mint`, voters get their signed cookie and token from the server's
 * secret instead of a page (lib/identity/voter.ts, the same values a GET would
 * set); with `perVote`, every vote comes from a new browser; with `codesFile`,
 * every vote carries the next unused voter code. Those votes are prepared
 * before the clock starts, and the voters stop when they run out (`exhausted`).
 *
 *   deno run -A bench/voters.ts '{"targets":["http://127.0.0.1:8000"],"path":"/vote/abc",...}'
 */
import { csrfTokenOf, encodeRequest, Http1Connection, setCookies } from "./http1.ts";
import { Histogram, type HistogramJson, wallMs } from "./stats.ts";
import { VoterIdentity } from "../lib/identity/voter.ts";
import { cpuMs } from "./proc.ts";

export interface VotersConfig {
  /** Base URLs; voters are spread over them round-robin. */
  targets: string[];
  /** `/vote/{id}` (or any path answering the POST, for the bare server). */
  path: string;
  option: string;
  connections: number;
  warmupMs: number;
  durationMs: number;
  /** Total votes per second across all voters; absent: as fast as answers come. */
  ratePerS?: number;
  /** GET the page first for the cookie and token (false for the bare server). */
  setup: boolean;
  /** Keep the wall-clock time of every 2xx answer (for the fan-out latency). */
  recordTimes?: boolean;
  /** Statuses that acknowledge a vote (default any 2xx; an htmx refusal is a 200 fragment). */
  okStatuses?: number[];
  /** Mint each voter's cookie and token with the server's OPONN_SECRET instead of a GET. */
  mint?: {
    secret: string;
    /** Every vote from a new browser, `votes` of them prepared in advance. */
    perVote?: { votes: number };
  };
  /** A file of voter codes, one per line: each vote carries the next one. */
  codesFile?: string;
  /**
   * A file of vote form bodies (without the token), one per line, instead of
   * `option`: the voters take them in turn, round and round (ballot kinds).
   */
  bodiesFile?: string;
}

export interface VotersResult {
  /** 2xx answers completed inside the measuring window. */
  ok: number;
  /** 2xx answers in the whole run, warm-up included. */
  okTotal: number;
  errors: number;
  errorSamples: string[];
  windowMs: number;
  latency: HistogramJson;
  /** Wall-clock ms of each 2xx answer, in order, when recordTimes. */
  answeredAt?: number[];
  /** The prepared votes (new browsers or codes) ran out; `windowMs` then ends with the last answer. */
  exhausted?: boolean;
  /** Prepared votes sent (new browsers or codes). */
  prepared?: { made: number; sent: number };
  /** This process's CPU time (ms) from the first vote sent to the last answer: the load's own cost. */
  cpuMs: number;
}

async function run(config: VotersConfig): Promise<VotersResult> {
  const latency = new Histogram();
  const answeredAt: number[] = [];
  const errorSamples: string[] = [];
  let ok = 0;
  let okTotal = 0;
  let errors = 0;
  const fail = (message: string) => {
    errors++;
    if (errorSamples.length < 5) errorSamples.push(message);
  };

  const acknowledges = config.okStatuses
    ? (status: number) => config.okStatuses!.includes(status)
    : (status: number) => status >= 200 && status <= 299;
  const prepared = prepareVotes(config);
  let sentPrepared = 0;
  const bodies = config.bodiesFile
    ? Deno.readTextFileSync(config.bodiesFile).split("\n").filter(Boolean)
    : undefined;
  let sentBodies = 0;
  let exhaustedAt: number | undefined;
  let lastAnswer = 0;
  const voters = await Promise.all(
    Array.from(
      { length: config.connections },
      (_, index) => openVoter(config, config.targets[index % config.targets.length]),
    ),
  );

  const cpuAtStart = cpuMs(Deno.pid);
  const start = performance.now();
  const windowStart = start + config.warmupMs;
  const windowEnd = windowStart + config.durationMs;
  const intervalMs = config.ratePerS ? 1000 / config.ratePerS : 0;
  /** This vote's bytes: the voter's own request, or the next prepared vote. */
  const nextRequest = (voter: Voter): Uint8Array | undefined => {
    if (bodies) {
      const body = bodies[sentBodies++ % bodies.length];
      return encodeVoteFor(config, voter.target, voter.browser, undefined, body);
    }
    if (!prepared) return voter.request;
    const vote = prepared[sentPrepared];
    if (vote === undefined) {
      exhaustedAt ??= performance.now();
      return undefined;
    }
    sentPrepared++;
    return vote.bytes ?? encodeVote(config, voter, vote);
  };

  await Promise.all(voters.map(async (voter, index) => {
    for (let i = 0;; i++) {
      if (intervalMs > 0) {
        const due = start + (i * config.connections + index) * intervalMs;
        if (due >= windowEnd) return;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      } else if (performance.now() >= windowEnd) {
        return;
      }
      const request = nextRequest(voter);
      if (!request) return;
      const sent = performance.now();
      try {
        const response = await voter.conn.request(request);
        const done = lastAnswer = performance.now();
        if (!acknowledges(response.status)) {
          fail(`HTTP ${response.status}: ${textOf(response.body).slice(0, 200)}`);
          continue;
        }
        okTotal++;
        if (!prepared) keepVotedCookie(config, voter, response.head);
        if (config.recordTimes) answeredAt.push(wallMs());
        if (done >= windowStart && done <= windowEnd) {
          ok++;
          latency.record(done - sent);
        }
      } catch (error) {
        fail(`${(error as Error).message}`);
        voter.conn.close();
        try {
          Object.assign(voter, await openVoter(config, voter.target));
        } catch (reopen) {
          fail(`reconnect: ${(reopen as Error).message}`);
          return;
        }
      }
    }
  }));
  const cpuUsed = cpuMs(Deno.pid) - cpuAtStart;
  for (const voter of voters) voter.conn.close();
  return {
    cpuMs: cpuUsed,
    ok,
    okTotal,
    errors,
    errorSamples,
    windowMs: exhaustedAt !== undefined && exhaustedAt < windowEnd
      ? Math.max(0, lastAnswer - windowStart)
      : config.durationMs,
    latency: latency.toJSON(),
    answeredAt: config.recordTimes ? answeredAt : undefined,
    exhausted: prepared ? exhaustedAt !== undefined : undefined,
    prepared: prepared ? { made: prepared.length, sent: sentPrepared } : undefined,
  };
}

/** A page or fragment as text, so a refusal's message shows in the error samples. */
function textOf(body: Uint8Array): string {
  return new TextDecoder().decode(body).replace(/<script[\s\S]*?<\/script>/g, " ")
    .replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim();
}

/** What one prepared vote adds to the request: a new browser, a code, or both. */
interface PreparedVote {
  /** A new browser (else the voter's own, or the shared one). */
  browser?: Browser;
  code?: string;
  /** The whole request, when it does not depend on the connection it goes out on. */
  bytes?: Uint8Array;
}

/** The votes made before the clock starts, or `undefined` when each voter repeats its own. */
function prepareVotes(config: VotersConfig): PreparedVote[] | undefined {
  const codes = config.codesFile
    ? Deno.readTextFileSync(config.codesFile).split("\n").filter(Boolean)
    : undefined;
  const perVote = config.mint?.perVote;
  if (!codes && !perVote) return undefined;
  const count = Math.min(codes?.length ?? Infinity, perVote?.votes ?? Infinity);
  const identity = config.mint ? new VoterIdentity(config.mint.secret) : undefined;
  const minted = (): Browser => {
    const { voterId, cookie } = identity!.mint();
    return { cookie: `oponn_voter=${cookie}`, token: identity!.csrfToken(voterId) };
  };
  // Minted browsers allow encoding every request now, so that the clock times the server
  // and not the encoding; codes without a new browser each go out from one shared browser.
  const target = config.targets.length === 1 ? config.targets[0] : undefined;
  const shared = identity && !perVote ? minted() : undefined;
  return Array.from({ length: count }, (_, index) => {
    const vote: PreparedVote = { browser: perVote ? minted() : undefined, code: codes?.[index] };
    const browser = vote.browser ?? shared;
    if (target && browser) vote.bytes = encodeVoteFor(config, target, browser, vote.code);
    return vote;
  });
}

/** A browser's identity: its cookie header and the token its forms carry. */
interface Browser {
  cookie: string;
  token: string;
}

function voteHeaders(config: VotersConfig, url: URL): Record<string, string> {
  return {
    "User-Agent": "oponn-bench",
    Accept: "*/*",
    Origin: url.origin,
    "Content-Type": "application/x-www-form-urlencoded",
    "HX-Request": "true",
    "HX-Current-URL": `${url.origin}${config.path}`,
    "HX-Target": "vote-form",
  };
}

/** The vote POST as htmx sends it; without a browser (the bare server), no cookie or token. */
function encodeVoteFor(
  config: VotersConfig,
  target: string,
  browser: Browser | undefined,
  code?: string,
  form?: string,
): Uint8Array {
  const url = new URL(target);
  const headers = voteHeaders(config, url);
  let body = form ?? `option=${encodeURIComponent(config.option)}`;
  if (code !== undefined) body += `&voter_code=${encodeURIComponent(code)}`;
  if (browser) {
    headers.Cookie = browser.cookie;
    headers["X-CSRF-Token"] = browser.token;
    body = `X-CSRF-Token=${encodeURIComponent(browser.token)}&${body}`;
  }
  return encodeRequest("POST", config.path, url.host, headers, body);
}

/** A prepared vote on a voter's connection (its own browser unless the vote brings a new one). */
function encodeVote(config: VotersConfig, voter: Voter, vote: PreparedVote): Uint8Array {
  return encodeVoteFor(config, voter.target, vote.browser ?? voter.browser, vote.code);
}

interface Voter {
  target: string;
  conn: Http1Connection;
  request: Uint8Array;
  browser?: Browser;
}

/** Opens the page like a browser tab (cookie + token), then pre-encodes its vote POST. */
/**
 * Keeps the "voted" cookie an answer sets, as a browser would, so that the
 * voter's next vote sends it back (the server then has nothing new to sign).
 */
function keepVotedCookie(config: VotersConfig, voter: Voter, head: string): void {
  if (!voter.browser || !head.includes("oponn_voted=")) return;
  const voted = setCookies(head).get("oponn_voted");
  if (voted === undefined) return;
  const others = voter.browser.cookie.split("; ").filter((pair) =>
    !pair.startsWith("oponn_voted=")
  );
  const cookie = [...others, `oponn_voted=${voted}`].join("; ");
  if (cookie === voter.browser.cookie) return;
  voter.browser = { ...voter.browser, cookie };
  voter.request = encodeVoteFor(config, voter.target, voter.browser);
}

async function openVoter(config: VotersConfig, target: string): Promise<Voter> {
  const url = new URL(target);
  const conn = await Http1Connection.open(url.hostname, Number(url.port));
  let browser: Browser | undefined;
  if (config.mint) {
    const identity = new VoterIdentity(config.mint.secret);
    const { voterId, cookie } = identity.mint();
    browser = { cookie: `oponn_voter=${cookie}`, token: identity.csrfToken(voterId) };
  } else if (config.setup) {
    const page = await conn.request(
      encodeRequest("GET", config.path, url.host, {
        "User-Agent": "oponn-bench",
        Accept: "text/html",
      }),
    );
    const cookies = setCookies(page.head);
    const token = csrfTokenOf(new TextDecoder().decode(page.body));
    if (page.status !== 200 || !cookies.has("oponn_voter") || !token) {
      conn.close();
      throw new Error(
        `vote page: HTTP ${page.status}, cookie ${cookies.has("oponn_voter")}, token ${!!token}`,
      );
    }
    // Every cookie the page set: the signed voter cookie is what the token is bound to.
    browser = {
      cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join("; "),
      token,
    };
  }
  return { target, conn, request: encodeVoteFor(config, target, browser), browser };
}

if (import.meta.main) {
  const config = JSON.parse(Deno.args[0]) as VotersConfig;
  try {
    const result = await run(config);
    console.log(`RESULT ${JSON.stringify(result)}`);
  } catch (error) {
    console.error(`voters: ${(error as Error).message}`);
    Deno.exit(1);
  }
}
