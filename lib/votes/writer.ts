/**
 * The per-process batching vote writer. Votes that arrive while earlier
 * batches are committing wait together and go into the next transaction, so a
 * burst on one popular option costs one counter update per batch rather than a
 * row-lock queue of one transaction per vote. Each caller is answered when its
 * own batch has committed; a vote refused inside a batch fails alone.
 */
import { StoreUnavailableError } from "../errors.ts";
import type { RecordOutcome, VoteToRecord } from "../stores/votes.ts";

export type RecordBatch = (votes: VoteToRecord[]) => Promise<RecordOutcome[]>;

export interface VoteWriterOptions {
  /** Transactions in flight at once (keep below the pool size). */
  concurrency: number;
  /** Upper bound on votes per transaction. */
  maxBatch: number;
  /** Called once per committed batch with the ids of the ballots it changed. */
  onCommitted?: (ballotIds: Set<string>) => void;
  /**
   * A vote not answered within this many milliseconds (queued or committing)
   * fails with `StoreUnavailableError`: a hung database must not hang the voter.
   * Checked by one sweep timer per writer, not one timer per vote.
   */
  deadlineMs?: number;
}

export interface VoteWriterStats {
  batches: number;
  votes: number;
}

interface Pending {
  vote: VoteToRecord;
  resolve(outcome: RecordOutcome): void;
  reject(error: unknown): void;
  /** When it was submitted (Date.now()). */
  since: number;
  /** Already answered by the deadline sweep. */
  expired?: boolean;
}

export class VoteWriter {
  #queue: Pending[] = [];
  #inFlight = 0;
  #idle: (() => void)[] = [];
  /** Batches being committed, for the deadline sweep. */
  #committing = new Set<Pending[]>();
  #sweep: ReturnType<typeof setInterval> | undefined;
  readonly stats: VoteWriterStats = { batches: 0, votes: 0 };

  constructor(private readonly record: RecordBatch, private readonly options: VoteWriterOptions) {}

  /** Resolves once the vote's batch has committed (or the database refused the vote). */
  submit(vote: VoteToRecord): Promise<RecordOutcome> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ vote, resolve, reject, since: Date.now() });
      this.#armSweep();
      this.#pump();
    });
  }

  get pending(): number {
    return this.#queue.length + this.#inFlight;
  }

  /** Resolves when nothing is queued or committing (for a graceful stop). */
  drained(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #pump(): void {
    while (this.#inFlight < this.options.concurrency && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.options.maxBatch);
      this.#inFlight++;
      this.#committing.add(batch);
      this.#commit(batch).finally(() => {
        this.#inFlight--;
        this.#committing.delete(batch);
        this.#pump();
        // The sweep stays armed: it stops itself once it finds nothing pending.
        // Stopping it here would start and stop an interval for nearly every
        // batch whenever votes come one at a time.
        if (this.pending === 0) this.#idle.splice(0).forEach((resolve) => resolve());
      });
    }
  }

  async #commit(batch: Pending[]): Promise<void> {
    try {
      const outcomes = await this.record(batch.map((pending) => pending.vote));
      this.stats.batches++;
      this.stats.votes += outcomes.filter((outcome) => outcome === "recorded").length;
      const changed = new Set<string>();
      batch.forEach((pending, index) => {
        if (outcomes[index] === "recorded") changed.add(pending.vote.ballotId);
      });
      if (changed.size > 0) this.options.onCommitted?.(changed);
      batch.forEach((pending, index) => {
        if (!pending.expired) pending.resolve(outcomes[index]);
      });
    } catch (error) {
      batch.forEach((pending) => {
        if (!pending.expired) pending.reject(error);
      });
    }
  }

  /** Stops the deadline sweep (after `drained`, when the writer takes no more votes). */
  close(): void {
    this.#disarmSweep();
  }

  #armSweep(): void {
    const deadline = this.options.deadlineMs;
    if (deadline === undefined || this.#sweep !== undefined) return;
    this.#sweep = setInterval(() => this.#expire(deadline), Math.min(100, deadline / 4));
  }

  #disarmSweep(): void {
    clearInterval(this.#sweep);
    this.#sweep = undefined;
  }

  /** Fails every vote older than the deadline; a late commit still counts, unanswered. */
  #expire(deadlineMs: number): void {
    const cutoff = Date.now() - deadlineMs;
    const late = () => new StoreUnavailableError(new Error(`no answer within ${deadlineMs} ms`));
    while (this.#queue.length > 0 && this.#queue[0].since <= cutoff) {
      this.#queue.shift()!.reject(late());
    }
    for (const batch of this.#committing) {
      for (const pending of batch) {
        if (!pending.expired && pending.since <= cutoff) {
          pending.expired = true;
          pending.reject(late());
        }
      }
    }
    if (this.pending === 0) this.#disarmSweep();
  }
}
