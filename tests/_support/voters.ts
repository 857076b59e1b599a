/**
 * Voters for fault tests. Each voter is a browser (own cookie and CSRF token)
 * that votes for its own option, one request at a time, so that per option
 * "stored − acknowledged" is 0, or 1 when that voter's one unanswered request
 * was committed just before the fault (in doubt, never lost).
 */
import postgres from "postgres";
import { Client } from "./client.ts";

export interface VoteRecord {
  voter: number;
  status: number | string;
  /** When the answer arrived. */
  at: number;
  /** When the request was sent. */
  sentAt: number;
}

export class Voters {
  readonly records: VoteRecord[] = [];
  #stopped = false;
  #runs: Promise<void>[] = [];
  #clients: Client[];

  /**
   * `count` voters on ballot `ballotId`; voter i talks to `baseUrl` (or the
   * i-th of several, round the list), votes for option `labelOf(i)`, and
   * alternates HTMX and plain posts, `pauseMs` apart.
   */
  constructor(
    baseUrl: string | string[],
    readonly ballotId: string,
    readonly count: number,
    readonly pauseMs = 40,
  ) {
    const urls = Array.isArray(baseUrl) ? baseUrl : [baseUrl];
    this.#clients = Array.from({ length: count }, (_, i) => new Client(urls[i % urls.length]));
  }

  static labelOf(voter: number): string {
    return `voter-${voter}`;
  }

  static options(count: number): string {
    return Array.from({ length: count }, (_, i) => Voters.labelOf(i)).join(", ");
  }

  async start(): Promise<void> {
    await Promise.all(this.#clients.map((client) => client.open(`/vote/${this.ballotId}`)));
    this.#runs = this.#clients.map((client, voter) => this.#vote(client, voter));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#runs);
  }

  get acked(): VoteRecord[] {
    return this.records.filter((record) => record.status === 204 || record.status === 303);
  }

  ackedBy(voter: number): number {
    return this.acked.filter((record) => record.voter === voter).length;
  }

  /** Status (or error name) → how many answers. */
  statuses(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const record of this.records) {
      counts[record.status] = (counts[record.status] ?? 0) + 1;
    }
    return counts;
  }

  /** Casts one vote now and records the answer; resolves to it and its body. */
  async castOne(voter: number, htmx: boolean): Promise<{ status: number | string; body: string }> {
    const client = this.#clients[voter];
    const sentAt = performance.now();
    try {
      const response = await client.post(
        `/vote/${this.ballotId}`,
        { option: Voters.labelOf(voter) },
        { htmx },
      );
      const body = await response.text();
      this.records.push({ voter, status: response.status, at: performance.now(), sentAt });
      return { status: response.status, body };
    } catch (error) {
      const status = (error as Error).name || "error";
      this.records.push({ voter, status, at: performance.now(), sentAt });
      return { status, body: "" };
    }
  }

  async #vote(_client: Client, voter: number): Promise<void> {
    let n = 0;
    while (!this.#stopped) {
      await this.castOne(voter, n++ % 2 === 0);
      await new Promise((resolve) => setTimeout(resolve, this.pauseMs));
    }
  }
}

/** Rows in `votes` per option label for one ballot, read straight from Postgres. */
export async function storedVotes(
  databaseUrl: string,
  ballotId: string,
): Promise<Record<string, number>> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ label: string; count: number }[]>`
      select option_label as label, count(*)::int as count from votes
      where ballot_id = ${ballotId} group by option_label`;
    return Object.fromEntries(rows.map((row) => [row.label, row.count]));
  } finally {
    await sql.end();
  }
}

/** A ballot's recorded idempotency keys: all of them, and those shaped like nginx's `$request_id`. */
export async function storedVoteKeys(
  databaseUrl: string,
  ballotId: string,
): Promise<{ keys: number; nginxRequestIds: number }> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ keys: number; nginx_request_ids: number }[]>`
      select count(*)::int as keys,
        (count(*) filter (where request_key ~ '^[0-9a-f]{32}$'))::int as nginx_request_ids
      from vote_keys where ballot_id = ${ballotId}`;
    return { keys: row.keys, nginxRequestIds: row.nginx_request_ids };
  } finally {
    await sql.end();
  }
}

export interface Accounting {
  acked: number;
  stored: number;
  /** Stored without an acknowledgement: the request failed while its commit went through. */
  inDoubt: number;
  /** Acknowledged but not stored: must be 0. */
  lost: number;
}

export function account(voters: Voters, stored: Record<string, number>): Accounting {
  let lost = 0;
  let inDoubt = 0;
  for (let voter = 0; voter < voters.count; voter++) {
    const acked = voters.ackedBy(voter);
    const rows = stored[Voters.labelOf(voter)] ?? 0;
    if (rows < acked) lost += acked - rows;
    else inDoubt += rows - acked;
  }
  const storedTotal = Object.values(stored).reduce((sum, count) => sum + count, 0);
  return { acked: voters.acked.length, stored: storedTotal, inDoubt, lost };
}
