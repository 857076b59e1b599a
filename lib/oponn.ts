/** The service the routes call: ballots, tallies and votes over the store, cache, writer and hub. */
import {
  type Ballot,
  type CreateBallotForm,
  type CreateField,
  isBallotId,
  newBallotId,
  validateCreateBallot,
  type Validation,
} from "./ballots/rules.ts";
import { BallotCache } from "./ballots/cache.ts";
import { guardStore } from "./errors.ts";
import type { Sql } from "./stores/database.ts";
import { findBallot, insertBallot, listRecentBallots, readTally } from "./stores/ballots.ts";
import { computeTally, type Tally } from "./results/tally.ts";
import {
  ENDED,
  isRefusal,
  NOT_STARTED,
  validateVote,
  type VoteForm,
  type VoteRefusal,
} from "./votes/rules.ts";
import type { VoteWriter } from "./votes/writer.ts";

export interface OponnDeps {
  sql: Sql;
  writer: VoteWriter;
  cache?: BallotCache;
  now?: () => Date;
}

export type CastResult = { ok: true } | (VoteRefusal & { ok: false });

export class Oponn {
  readonly cache: BallotCache;
  readonly now: () => Date;
  readonly #sql: Sql;
  readonly #writer: VoteWriter;

  constructor(deps: OponnDeps) {
    this.#sql = deps.sql;
    this.#writer = deps.writer;
    this.cache = deps.cache ?? new BallotCache();
    this.now = deps.now ?? (() => new Date());
  }

  async createBallot(form: CreateBallotForm): Promise<Validation<Ballot, CreateField>> {
    const checked = validateCreateBallot(form, this.now());
    if (!checked.ok) return checked;
    const ballot = await guardStore(() => insertBallot(this.#sql, newBallotId(), checked.value));
    this.cache.set(ballot);
    return { ok: true, value: ballot };
  }

  /** `null` for a malformed or unknown id. */
  async getBallot(id: string): Promise<Ballot | null> {
    if (!isBallotId(id)) return null;
    const cached = this.cache.get(id);
    if (cached) return cached;
    const ballot = await guardStore(() => findBallot(this.#sql, id));
    if (ballot) this.cache.set(ballot);
    return ballot;
  }

  listBallots(): Promise<Ballot[]> {
    return guardStore(() => listRecentBallots(this.#sql, this.now()));
  }

  async readTally(ballotId: string): Promise<Tally> {
    return computeTally(await guardStore(() => readTally(this.#sql, ballotId)));
  }

  writerStats(): { batches: number; votes: number } {
    return this.#writer.stats;
  }

  /** Resolves once the vote is committed, or with the reason it was refused. */
  async castVote(ballot: Ballot, form: VoteForm): Promise<CastResult> {
    const choice = validateVote(ballot, form, this.now());
    if (isRefusal(choice)) return { ok: false, ...choice };
    const outcome = await guardStore(() =>
      this.#writer.submit({ ballotId: ballot.id, label: choice.label, writeIn: choice.writeIn })
    );
    switch (outcome) {
      case "recorded":
        return { ok: true };
      case "not_started":
        return { ok: false, kind: "closed", field: "option", message: NOT_STARTED };
      case "ended":
        return { ok: false, kind: "closed", field: "option", message: ENDED };
      case "unknown_ballot":
        return {
          ok: false,
          kind: "invalid",
          field: "option",
          message: "Invalid option for this ballot",
        };
    }
  }
}
