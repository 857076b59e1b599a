/**
 * Voters that behave like a person behind a load balancer, in a browser (each
 * post carries the page's `Origin` and `Sec-Fetch-Site: same-origin`): a vote answered
 * 502 or 503 (the proxy found no replica, or the replica was draining) is sent
 * again after a short pause, until it is acknowledged; any other answer is
 * final. Each voter is a browser (own cookie and CSRF token through the
 * support Client) voting for its own option, one request at a time, so that
 * per option "stored − acknowledged" is the number of retried attempts that
 * were committed after all (in doubt, never lost).
 */
import { Client } from "./client.ts";
import { Voters } from "./voters.ts";

/** One vote as the voter saw it: every attempt's status, and whether it ended acknowledged. */
export interface CastVote {
  voter: number;
  attempts: (number | string)[];
  acked: boolean;
  /** When the acknowledgement (or the final failure) arrived. */
  at: number;
}

export interface RetryPolicy {
  /** Statuses a voter retries (default 502, 503). */
  retryOn?: number[];
  /** Attempts per vote, the first included (default 20). */
  maxAttempts?: number;
  /** Pause before a retry (default 100 ms). */
  retryPauseMs?: number;
}

const ACK = new Set([204, 303]);

export class RetryingVoters {
  readonly votes: CastVote[] = [];
  #clients: Client[];
  #stopped = false;
  #runs: Promise<void>[] = [];
  #retryOn: Set<number>;
  #maxAttempts: number;
  #retryPauseMs: number;
  /** What a browser adds to a same-site form post. */
  #browserHeaders: Record<string, string>;

  constructor(
    baseUrl: string,
    readonly ballotId: string,
    readonly count: number,
    policy: RetryPolicy = {},
  ) {
    this.#clients = Array.from({ length: count }, () => new Client(baseUrl));
    this.#retryOn = new Set(policy.retryOn ?? [502, 503]);
    this.#maxAttempts = policy.maxAttempts ?? 20;
    this.#retryPauseMs = policy.retryPauseMs ?? 100;
    this.#browserHeaders = { origin: new URL(baseUrl).origin, "sec-fetch-site": "same-origin" };
  }

  static labelOf = Voters.labelOf;
  static options = Voters.options;

  /** Each voter opens the vote page (cookie and CSRF token). */
  async open(): Promise<void> {
    await Promise.all(this.#clients.map((client) => client.open(`/vote/${this.ballotId}`)));
  }

  /**
   * Every voter votes in a loop, `pauseMs` between votes, alternating HTMX and
   * plain posts, until `stop()`, `maxVotes` each, or `maxMs` have passed.
   */
  start(options: { pauseMs?: number; maxVotes?: number; maxMs?: number } = {}): void {
    const { pauseMs = 20, maxVotes = 1_000, maxMs = 30_000 } = options;
    const deadline = performance.now() + maxMs;
    this.#runs = this.#clients.map(async (_, voter) => {
      for (let n = 0; n < maxVotes && !this.#stopped && performance.now() < deadline; n++) {
        await this.cast(voter, n % 2 === 0);
        await sleep(pauseMs);
      }
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#runs);
  }

  /** One vote of `voter`, retried on 502/503 up to the policy's bound. */
  async cast(voter: number, htmx = false): Promise<CastVote> {
    const vote: CastVote = { voter, attempts: [], acked: false, at: 0 };
    this.votes.push(vote);
    const client = this.#clients[voter];
    while (vote.attempts.length < this.#maxAttempts) {
      let status: number | string;
      try {
        const response = await client.post(
          `/vote/${this.ballotId}`,
          { option: RetryingVoters.labelOf(voter) },
          { htmx, headers: this.#browserHeaders },
        );
        await response.body?.cancel();
        status = response.status;
      } catch (error) {
        status = (error as Error).name || "error";
      }
      vote.attempts.push(status);
      vote.at = performance.now();
      if (typeof status === "number" && ACK.has(status)) {
        vote.acked = true;
        break;
      }
      if (typeof status !== "number" || !this.#retryOn.has(status)) break;
      await sleep(this.#retryPauseMs);
    }
    return vote;
  }

  get acked(): CastVote[] {
    return this.votes.filter((vote) => vote.acked);
  }

  ackedBy(voter: number): number {
    return this.votes.filter((vote) => vote.acked && vote.voter === voter).length;
  }

  /** Votes that did not end acknowledged: what a voter would see fail. */
  get failed(): CastVote[] {
    return this.votes.filter((vote) => !vote.acked);
  }

  /** Attempts beyond the first, over all votes. */
  get retries(): number {
    return this.votes.reduce((sum, vote) => sum + vote.attempts.length - 1, 0);
  }

  /** Votes retried at least once and then acknowledged. */
  get retriedThenAcked(): number {
    return this.votes.filter((vote) => vote.acked && vote.attempts.length > 1).length;
  }

  /** Status (or error name) → how many attempts got it. */
  statuses(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const status of this.votes.flatMap((vote) => vote.attempts)) {
      counts[status] = (counts[status] ?? 0) + 1;
    }
    return counts;
  }

  /**
   * Acknowledged against stored (rows per option label): `lost` must be 0;
   * `inDoubt` (stored without an acknowledgement) is at most the failed attempts.
   */
  account(stored: Record<string, number>): {
    acked: number;
    stored: number;
    lost: number;
    inDoubt: number;
  } {
    let lost = 0;
    let inDoubt = 0;
    for (let voter = 0; voter < this.count; voter++) {
      const acked = this.ackedBy(voter);
      const rows = stored[RetryingVoters.labelOf(voter)] ?? 0;
      if (rows < acked) lost += acked - rows;
      else inDoubt += rows - acked;
    }
    const storedTotal = Object.values(stored).reduce((sum, n) => sum + n, 0);
    return { acked: this.acked.length, stored: storedTotal, lost, inDoubt };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
