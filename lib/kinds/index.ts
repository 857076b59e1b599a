/**
 * The registry of ballot kinds, and the create-time settings they take.
 * Everything that differs between kinds lives in a kind's module; callers
 * reach it through `kindOf`.
 */
import type { Ballot, BallotKind } from "../ballots/types.ts";
import { approval } from "./approval.ts";
import { ranked } from "./ranked.ts";
import { single } from "./single.ts";
import type { KindModule } from "./types.ts";

export type { CastChoice, Counters, FieldValues, KindModule, OptionChoice } from "./types.ts";
export { TIE_BREAK_RULE } from "./runoff.ts";

export const KINDS: Record<BallotKind, KindModule> = { single, approval, ranked };
export const KIND_NAMES = Object.keys(KINDS) as BallotKind[];

export function kindOf(ballot: Pick<Ballot, "kind">): KindModule {
  return KINDS[ballot.kind] ?? single;
}

export interface KindSettings {
  kind: BallotKind;
  maxChoices: number | null;
}

/** `max_choices` above this is no cap anyone needs (a ballot holds at most 100 options). */
const MAX_CHOICES = 100;

/** The create form's `kind` and `max_choices` (an absent kind is `single`). */
export function checkKindSettings(
  kindRaw: string,
  maxChoicesRaw: string,
): { ok: true; value: KindSettings } | {
  ok: false;
  errors: { kind?: string; max_choices?: string };
} {
  const name = kindRaw.trim() === "" ? "single" : kindRaw.trim();
  if (!(KIND_NAMES as string[]).includes(name)) {
    return { ok: false, errors: { kind: "Kind must be single, approval or ranked." } };
  }
  const kind = name as BallotKind;
  const raw = maxChoicesRaw.trim();
  if (kind !== "approval" || raw === "") return { ok: true, value: { kind, maxChoices: null } };
  const value = /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= 1 && value <= MAX_CHOICES)) {
    return {
      ok: false,
      errors: {
        max_choices:
          `Max choices must be a whole number from 1 to ${MAX_CHOICES}, or empty for no cap.`,
      },
    };
  }
  return { ok: true, value: { kind, maxChoices: value } };
}
