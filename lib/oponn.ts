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
import { asStoreError, guardStore } from "./errors.ts";
import type { Sql } from "./stores/database.ts";
import {
  countBallots,
  findBallot,
  insertBallot,
  readRankings,
  readTally,
  readVoters,
  readWriteIns,
} from "./stores/ballots.ts";
import { computeTally, type Tally, type WriteInPage } from "./results/tally.ts";
import { type FieldValues, kindOf } from "./kinds/index.ts";
import { INVALID_OPTION } from "./kinds/write_in.ts";
import {
  ALREADY_VOTED,
  CODE_INVALID,
  CODE_REQUIRED,
  ENDED,
  isRefusal,
  NOT_STARTED,
  validateCast,
  type VoteForm,
  type VoteRefusal,
  WRITE_IN_LIMIT,
} from "./votes/rules.ts";
import { VOTE_KEY_REUSED, VOTE_PAGE_REUSED, voteFingerprint, type VoteKey } from "./votes/keys.ts";
import type { VoteWriter } from "./votes/writer.ts";
import type { Turnout } from "./live/snapshots.ts";
import { type SettingsField, type SettingsForm, validateSettings } from "./ballots/settings.ts";
import { BallotManager, makeCodes } from "./ballots/manage.ts";
import { hashManageKey, hashVoterCode, manageKeyFor, normalizeVoterCode } from "./identity/keys.ts";
import { type ListedBallot, listPublicBallots, listVoterBallots } from "./stores/listing.ts";

export interface OponnDeps {
  sql: Sql;
  writer: VoteWriter;
  cache?: BallotCache;
  now?: () => Date;
  /** Tells every process a ballot's own state changed (after commit). */
  ballotChanged?: (ballotId: string) => Promise<void>;
  /** Derives manage keys (OPONN_SECRET). */
  secret: string;
}

/** What creating a ballot hands back once: the manage key and any voter codes are never shown again. */
export interface CreatedBallot {
  ballot: Ballot;
  manageKey: string;
  codes: string[];
}

/** `choice`: the label the vote counted for, to show the voter. */
export type CastResult = { ok: true; choice: string } | (VoteRefusal & { ok: false });

/** A results view's data (see `Oponn.readResults`). */
export interface Results<T> {
  tally: T;
  turnout: Turnout;
}

export class Oponn {
  readonly cache: BallotCache;
  readonly now: () => Date;
  readonly #sql: Sql;
  readonly #writer: VoteWriter;
  readonly manager: BallotManager;
  readonly #secret: string;

  constructor(deps: OponnDeps) {
    this.#sql = deps.sql;
    this.#writer = deps.writer;
    this.#secret = deps.secret;
    this.cache = deps.cache ?? new BallotCache();
    this.now = deps.now ?? (() => new Date());
    this.manager = new BallotManager({
      sql: deps.sql,
      now: this.now,
      changed: async (ballotId) => {
        this.cache.delete(ballotId);
        await deps.ballotChanged?.(ballotId);
      },
    });
  }

  async createBallot(
    form: CreateBallotForm,
    settingsForm: SettingsForm,
    ownerVoter: string | null,
  ): Promise<Validation<CreatedBallot, CreateField | SettingsField>> {
    const checked = validateCreateBallot(form, this.now());
    const settings = validateSettings(settingsForm);
    if (!checked.ok || !settings.ok) {
      return {
        ok: false,
        errors: { ...(checked.ok ? {} : checked.errors), ...(settings.ok ? {} : settings.errors) },
      };
    }
    const id = newBallotId();
    const manageKey = this.manageKey(id);
    const codes = makeCodes(settings.value.voterCodes);
    const ballot = await guardStore(() =>
      insertBallot(this.#sql, id, {
        ...checked.value,
        ...settings.value,
        ownerVoter,
        manageKeyHash: hashManageKey(manageKey),
        codeHashes: codes.map((code) => hashVoterCode(id, normalizeVoterCode(code)!)),
      })
    );
    this.cache.set(ballot);
    return { ok: true, value: { ballot, manageKey, codes } };
  }

  /** The owner's manage key for a ballot (see `manageKeyFor`). */
  manageKey(ballotId: string): string {
    return manageKeyFor(this.#secret, ballotId);
  }

  listPublic(open: boolean, page: number, perPage: number): Promise<ListedBallot[]> {
    return guardStore(() =>
      listPublicBallots(this.#sql, { open, offset: (page - 1) * perPage, limit: perPage })
    );
  }

  listVoterBallots(voterId: string, votedIds: string[]): Promise<ListedBallot[]> {
    return guardStore(() => listVoterBallots(this.#sql, voterId, votedIds, 50));
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

  /** How many ballots exist (operators and tests). */
  countBallots(): Promise<number> {
    return guardStore(() => countBallots(this.#sql));
  }

  /**
   * What a results view needs: the counts when the reader may see them (`shown`),
   * and the turnout; `null` when the ballot is gone.
   */
  readResults(ballotId: string, shown: true): Promise<Results<Tally> | null>;
  readResults(ballotId: string, shown: boolean): Promise<Results<Tally | undefined> | null>;
  async readResults(ballotId: string, shown: boolean) {
    const [tally, turnout] = await Promise.all([
      shown ? this.readTally(ballotId) : undefined,
      this.manager.turnout(ballotId),
    ]);
    return turnout ? { tally, turnout } : null;
  }

  /** The counts as the ballot's kind shows them (rounds for `ranked`, shares of voters for `approval`). */
  async readTally(ballotId: string): Promise<Tally> {
    const ballot = await this.getBallot(ballotId);
    if (!ballot) return computeTally([]);
    const kind = kindOf(ballot);
    const [rows, rankings, voters] = await guardStore(() =>
      Promise.all([
        readTally(this.#sql, ballotId),
        kind.reads.rankings ? readRankings(this.#sql, ballotId) : [],
        kind.reads.voters ? readVoters(this.#sql, ballotId) : 0,
      ])
    );
    return kind.result(ballot, { rows, rankings, voters });
  }

  /** The vote form's fields as this ballot's kind reads them. */
  readVoteForm(ballot: Ballot, values: FieldValues): VoteForm {
    return {
      ...kindOf(ballot).readForm(ballot, values),
      voter_code: values("voter_code")[0] ?? "",
    };
  }

  /** Write-ins by votes, `perPage` at a time; `page` counts from 1. */
  readWriteIns(ballotId: string, page: number, perPage: number): Promise<WriteInPage> {
    return guardStore(() =>
      readWriteIns(this.#sql, ballotId, { offset: (page - 1) * perPage, limit: perPage })
    );
  }

  writerStats(): { batches: number; votes: number } {
    return this.#writer.stats;
  }

  /**
   * Resolves once the vote is committed, or with the reason it was refused.
   * `voterId` is the browser's signed identity: it reaches the database only
   * for a `browser` ballot (a `code` ballot is secret: its votes carry no voter).
   * `key`: the vote's idempotency key (lib/votes/keys.ts), if the request carried one.
   */
  async castVote(
    ballot: Ballot,
    form: VoteForm,
    voterId: string,
    key: VoteKey | null = null,
  ): Promise<CastResult> {
    const choice = validateCast(ballot, form, this.now());
    if (isRefusal(choice)) return { ok: false, ...choice };
    let codeHash: string | null = null;
    if (ballot.duplicateCheck === "code") {
      const raw = form.voter_code?.trim() ?? "";
      if (raw === "") {
        return { ok: false, kind: "invalid", field: "voter_code", message: CODE_REQUIRED };
      }
      const code = normalizeVoterCode(raw);
      if (!code) {
        return { ok: false, kind: "forbidden", field: "voter_code", message: CODE_INVALID };
      }
      codeHash = hashVoterCode(ballot.id, code);
    }
    // The writer fails votes past the store deadline itself (one timer per process).
    const outcome = await this.#writer.submit({
      ballotId: ballot.id,
      choices: choice.options,
      ranking: choice.ranking,
      voterId: ballot.duplicateCheck === "browser" ? voterId : null,
      codeHash,
      requestKey: key?.value ?? null,
      requestFingerprint: key === null ? null : voteFingerprint(
        choice.options.map((option) => option.key),
        choice.ranking?.keys,
        codeHash,
      ),
    }).catch((error) => {
      throw asStoreError(error);
    });
    switch (outcome) {
      case "recorded":
        return { ok: true, choice: choice.summary };
      case "not_started":
        return { ok: false, kind: "closed", field: "option", message: NOT_STARTED };
      case "ended":
        return { ok: false, kind: "closed", field: "option", message: ENDED };
      case "write_in_limit":
        return { ok: false, kind: "invalid", field: "write_in_value", message: WRITE_IN_LIMIT };
      case "duplicate":
        return { ok: false, kind: "duplicate", field: "option", message: ALREADY_VOTED };
      case "key_reused":
        return {
          ok: false,
          kind: "invalid",
          field: "option",
          message: key?.fromPage ? VOTE_PAGE_REUSED : VOTE_KEY_REUSED,
        };
      case "code_invalid":
        return { ok: false, kind: "forbidden", field: "voter_code", message: CODE_INVALID };
      case "unknown_ballot":
        return {
          ok: false,
          kind: "invalid",
          field: "option",
          message: INVALID_OPTION,
        };
    }
  }
}
