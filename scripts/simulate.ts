/**
 * Demo simulator: `deno task simulate <ballot-url> [--voters N] [--rate R] [--codes file.csv]`.
 *
 * Rehearse a live event: N simulated voters, each its own browser (its own
 * cookies and CSRF token: GET the vote page, then POST the form), arrive at
 * about R a second and vote with a lean towards some options, so the bars move
 * the way a real room makes them move. A `code` ballot takes one code per voter
 * from the codes CSV. It stops by itself and prints what was sent and what the
 * server acknowledged. Only this machine is a target unless `--allow-remote`.
 */

export interface SimulateOptions {
  /** The ballot's vote (or results) page. */
  url: string;
  voters: number;
  /** Voters arriving per second. */
  rate: number;
  /** One-time voter codes, one per voter, for a `code` ballot. */
  codes?: string[];
  /** Most requests in flight at once. */
  concurrency?: number;
  /** Seeds the choices, for repeatable runs. */
  seed?: number;
  log?: (line: string) => void;
}

export interface SimulateReport {
  sent: number;
  acknowledged: number;
  /** Refused votes by HTTP status (409 already voted, 403 bad code, 429 rate limited, …). */
  refused: Record<string, number>;
  /** No answer: connection refused, timed out. */
  failed: number;
  choices: Record<string, number>;
  seconds: number;
}

const MAX_VOTERS = 100_000;
const MAX_RATE = 1_000;
const REQUEST_TIMEOUT_MS = 10_000;

export function ballotOf(url: string): { origin: string; id: string } {
  const parsed = new URL(url);
  const match = /^\/(?:vote|results|embed|manage)\/([A-Za-z0-9_-]+)/.exec(parsed.pathname);
  if (!match) throw new Error(`Not a ballot link: ${url} (expected …/vote/{id})`);
  return { origin: parsed.origin, id: match[1] };
}

/** Codes from the CSV the codes page downloads (a `code` header, one code a line). */
export function parseCodes(csv: string): string[] {
  return csv.split(/\r?\n/).map((line) => line.trim().replace(/^"|"$/g, ""))
    .filter((line) => line !== "" && line.toLowerCase() !== "code");
}

/** The ballot as the JSON API describes it: its options and how a vote names them. */
export interface BallotShape {
  options: string[];
  kind: "single" | "approval" | "ranked";
}

async function readBallot(origin: string, id: string): Promise<BallotShape> {
  const response = await fetch(`${origin}/api/v1/ballots/${id}`, {
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`${response.status}: ${body?.error?.message ?? "no ballot"}`);
  return { options: body.options, kind: body.kind };
}

/** The CSRF token the vote page's form carries. */
export function readToken(html: string): string | null {
  const token = /name="X-CSRF-Token" value="([^"]+)"/.exec(html)?.[1];
  return token ? unescapeHtml(token) : null;
}

function unescapeHtml(text: string): string {
  return text.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'").replaceAll("&amp;", "&");
}

/**
 * A small seeded generator (mulberry32), so a rehearsal can be replayed (and
 * bench/kinds.ts draws the same votes every run).
 */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A room leans: some options get far more votes than others. */
function leaning(options: string[], next: () => number): () => string {
  const weights = options.map((_, index) => 1 / (index + 1) + next() * 0.5);
  const order = options.map((option, index) => ({ option, weight: weights[index] }))
    .sort(() => next() - 0.5);
  const total = order.reduce((sum, item) => sum + item.weight, 0);
  return () => {
    let pick = next() * total;
    for (const item of order) {
      pick -= item.weight;
      if (pick <= 0) return item.option;
    }
    return order[order.length - 1].option;
  };
}

/** One browser: a cookie jar and nothing else shared with the other voters. */
class Browser {
  #cookies = new Map<string, string>();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.#cookies.size > 0) {
      headers.set(
        "cookie",
        [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; "),
      );
    }
    const response = await fetch(url, {
      ...init,
      headers,
      redirect: "manual",
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(";");
      const index = pair.indexOf("=");
      if (index > 0) this.#cookies.set(pair.slice(0, index).trim(), pair.slice(index + 1).trim());
    }
    return response;
  }
}

export async function simulate(options: SimulateOptions): Promise<SimulateReport> {
  const { origin, id } = ballotOf(options.url);
  const voters = Math.min(options.voters, options.codes?.length ?? Infinity, MAX_VOTERS);
  const rate = Math.min(Math.max(options.rate, 0.1), MAX_RATE);
  const concurrency = options.concurrency ?? 32;
  const next = random(options.seed ?? Date.now());
  const log = options.log ?? (() => {});
  const report: SimulateReport = {
    sent: 0,
    acknowledged: 0,
    refused: {},
    failed: 0,
    choices: {},
    seconds: 0,
  };
  const ballot = await readBallot(origin, id);
  const choose = chooser(ballot, next);
  const field = ballot.kind === "ranked" ? "ranking" : "option";
  const started = performance.now();

  const vote = async (index: number) => {
    const browser = new Browser();
    let page: Response;
    try {
      page = await browser.fetch(`${origin}/vote/${id}`);
    } catch {
      report.failed++;
      return;
    }
    const token = page.ok ? readToken(await page.text()) : null;
    if (!page.ok) await page.body?.cancel();
    if (!token) {
      report.failed++;
      return;
    }
    const picked = choose();
    const body = new URLSearchParams({ "X-CSRF-Token": token });
    for (const option of picked) body.append(field, option);
    if (options.codes) body.set("voter_code", options.codes[index]);
    report.sent++;
    try {
      const answer = await browser.fetch(`${origin}/vote/${id}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body,
      });
      await answer.body?.cancel();
      // The plain form's success is a 303 to the results.
      if (answer.status === 303) {
        report.acknowledged++;
        for (const option of picked) report.choices[option] = (report.choices[option] ?? 0) + 1;
      } else {
        report.refused[answer.status] = (report.refused[answer.status] ?? 0) + 1;
      }
    } catch {
      report.failed++;
    }
  };

  const running = new Set<Promise<void>>();
  for (let index = 0; index < voters; index++) {
    const due = started + (index / rate) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    while (running.size >= concurrency) await Promise.race(running);
    const task = vote(index).finally(() => running.delete(task));
    running.add(task);
    if ((index + 1) % Math.max(1, Math.round(rate * 5)) === 0) {
      log(`… ${index + 1} voters arrived, ${report.acknowledged} votes acknowledged`);
    }
  }
  await Promise.all(running);
  report.seconds = Math.round(performance.now() - started) / 1000;
  return report;
}

/** Single: one option; approval: a few; ranked: a few in order of preference. */
function chooser(ballot: BallotShape, next: () => number): () => string[] {
  const pick = leaning(ballot.options, next);
  if (ballot.kind === "single") return () => [pick()];
  return () => {
    const count = 1 + Math.floor(next() * Math.min(3, ballot.options.length));
    const chosen = new Set<string>();
    for (let tries = 0; chosen.size < count && tries < 20; tries++) chosen.add(pick());
    return [...chosen];
  };
}

function usage(): never {
  console.error(
    "usage: deno task simulate <ballot-url> [--voters N] [--rate R] [--codes file.csv] " +
      "[--seed S] [--allow-remote]",
  );
  Deno.exit(2);
}

function isLocal(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "localhost" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

async function main(args: string[]): Promise<void> {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    if (arg === "--allow-remote") flags.set(arg, "yes");
    else if (arg.startsWith("--")) {
      const [name, inline] = arg.split("=", 2);
      const value = inline ?? args[++index];
      if (value === undefined) usage();
      flags.set(name, value);
    } else positional.push(arg);
  }
  if (positional.length !== 1) usage();
  const number = (name: string, fallback: number) => {
    const value = Number(flags.get(name) ?? fallback);
    if (!Number.isFinite(value) || value <= 0) usage();
    return value;
  };
  const url = positional[0];
  try {
    ballotOf(url);
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(2);
  }
  if (!isLocal(url) && !flags.has("--allow-remote")) {
    console.error(
      "This sends many votes: it targets this machine only unless you pass --allow-remote " +
        "(use it only on a server you run).",
    );
    Deno.exit(2);
  }
  const codes = flags.has("--codes")
    ? parseCodes(await Deno.readTextFile(flags.get("--codes")!))
    : undefined;
  const voters = Math.floor(number("--voters", 50));
  const rate = number("--rate", 5);
  console.log(
    `simulating ${Math.min(voters, codes?.length ?? Infinity)} voters at ${rate}/s on ${url}`,
  );
  let report: SimulateReport;
  try {
    report = await simulate({
      url,
      voters,
      rate,
      codes,
      seed: flags.has("--seed") ? Number(flags.get("--seed")) : undefined,
      log: (line) => console.log(line),
    });
  } catch (error) {
    console.error(`Cannot read the ballot at ${url}: ${(error as Error).message}`);
    Deno.exit(1);
  }
  const refused = Object.entries(report.refused).map(([status, count]) => `${count}×${status}`);
  console.log(
    `sent ${report.sent}, acknowledged ${report.acknowledged}` +
      (refused.length > 0 ? `, refused ${refused.join(" ")}` : "") +
      (report.failed > 0 ? `, failed ${report.failed}` : "") +
      ` in ${report.seconds} s`,
  );
  for (const [option, count] of Object.entries(report.choices).sort((a, b) => b[1] - a[1])) {
    console.log(`  ${option}: ${count}`);
  }
  if (report.acknowledged === 0) Deno.exit(1);
}

if (import.meta.main) await main(Deno.args);
