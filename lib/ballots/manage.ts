/**
 * What an owner does after creating a ballot. Postgres holds the truth; after
 * each change every process is told (through the live transport) to drop its
 * cached copy and re-render its viewers, so pages everywhere follow within a flush.
 */
import { guardStore } from "../errors.ts";
import {
  hashManageKey,
  hashVoterCode,
  isManageKey,
  newVoterCode,
  normalizeVoterCode,
} from "../identity/keys.ts";
import type { Sql } from "../stores/database.ts";
import {
  addVoterCodes,
  closeBallot,
  deleteBallot,
  publishResults,
  readManageKeyHash,
  readTurnout,
  setBallotEnd,
} from "../stores/manage.ts";
import { parseInstant } from "./rules.ts";
import type { Ballot } from "./types.ts";

export interface ManageDeps {
  sql: Sql;
  /** Drops local copies and tells every other process (see `LiveTransport.publishBallot`). */
  changed(ballotId: string): Promise<void>;
  now(): Date;
}

export type ManageAction = "close" | "end" | "publish" | "codes" | "delete";

export type ActionResult = { ok: true; codes?: string[] } | {
  ok: false;
  field: string;
  message: string;
};

export class BallotManager {
  constructor(private readonly deps: ManageDeps) {}

  /** Whether `key` is this ballot's manage key; a malformed key never reaches the database. */
  async keyMatches(ballotId: string, key: string): Promise<boolean> {
    if (!isManageKey(key)) return false;
    const stored = await guardStore(() => readManageKeyHash(this.deps.sql, ballotId));
    return stored !== null && stored === hashManageKey(key);
  }

  turnout(ballotId: string) {
    return guardStore(() => readTurnout(this.deps.sql, ballotId));
  }

  async close(ballot: Ballot): Promise<ActionResult> {
    const changed = await guardStore(() => closeBallot(this.deps.sql, ballot.id));
    if (!changed) return { ok: false, field: "action", message: "This ballot has already ended." };
    await this.deps.changed(ballot.id);
    return { ok: true };
  }

  /** `endsAt` as typed (an ISO instant); it must lie ahead, after the start. */
  async end(ballot: Ballot, endsAtRaw: string, tzOffsetMins: string): Promise<ActionResult> {
    const endsAt = parseInstant(endsAtRaw, tzOffsetMins);
    if (!endsAt) {
      return { ok: false, field: "ends_at", message: "Enter the new end as a date and time." };
    }
    const now = this.deps.now();
    if (endsAt.getTime() <= now.getTime()) {
      return {
        ok: false,
        field: "ends_at",
        message: "The new end must be in the future; use close to end now.",
      };
    }
    if (endsAt.getTime() - now.getTime() > 366 * 86_400_000) {
      return { ok: false, field: "ends_at", message: "The new end must be within a year." };
    }
    const changed = await guardStore(() => setBallotEnd(this.deps.sql, ballot.id, endsAt));
    if (!changed) {
      return { ok: false, field: "ends_at", message: "The new end must come after the start." };
    }
    await this.deps.changed(ballot.id);
    return { ok: true };
  }

  async publish(ballot: Ballot): Promise<ActionResult> {
    if (ballot.resultsVisibility !== "manual") {
      return {
        ok: false,
        field: "action",
        message: "Only a ballot with manual results is published.",
      };
    }
    const changed = await guardStore(() => publishResults(this.deps.sql, ballot.id));
    if (!changed) {
      return { ok: false, field: "action", message: "The results are already published." };
    }
    await this.deps.changed(ballot.id);
    return { ok: true };
  }

  /** New one-time codes; returned once, stored only hashed. */
  async issueCodes(ballot: Ballot, count: number): Promise<ActionResult> {
    if (ballot.duplicateCheck !== "code") {
      return { ok: false, field: "voter_codes", message: "This ballot does not use voter codes." };
    }
    const codes = makeCodes(count);
    const hashes = codes.map((code) => hashVoterCode(ballot.id, normalizeVoterCode(code)!));
    const added = await guardStore(() => addVoterCodes(this.deps.sql, ballot.id, hashes));
    if (!added) {
      return { ok: false, field: "voter_codes", message: "This ballot does not use voter codes." };
    }
    await this.deps.changed(ballot.id);
    return { ok: true, codes };
  }

  async delete(ballot: Ballot, confirm: string): Promise<ActionResult> {
    if (confirm.trim() !== "delete") {
      return { ok: false, field: "confirm", message: "Type delete to confirm." };
    }
    await guardStore(() => deleteBallot(this.deps.sql, ballot.id));
    await this.deps.changed(ballot.id);
    return { ok: true };
  }
}

/** `count` distinct codes with their hashes. */
export function makeCodes(count: number): string[] {
  const codes = new Set<string>();
  while (codes.size < count) codes.add(newVoterCode());
  return [...codes];
}
