/**
 * The create form's integrity settings (SPEC section 6). A field left out
 * keeps the original's behaviour (`none`, `listed`, `always`), so old clients
 * and scripts work unchanged; the HTML form preselects the safer choices.
 */
import type { BallotSettings, DuplicateCheck, Listing, ResultsVisibility } from "./types.ts";

export interface SettingsForm {
  duplicate_check: string;
  voter_codes: string;
  listing: string;
  results_visibility: string;
}

export type SettingsField = keyof SettingsForm;

export const MAX_VOTER_CODES = 10_000;

/** What the HTML form preselects. */
export const SAFER_SETTINGS: SettingsForm = {
  duplicate_check: "browser",
  voter_codes: "",
  listing: "unlisted",
  results_visibility: "always",
};

const DUPLICATE_CHECKS: DuplicateCheck[] = ["none", "browser", "code"];
const LISTINGS: Listing[] = ["listed", "unlisted"];
const VISIBILITIES: ResultsVisibility[] = ["always", "after_vote", "after_close", "manual"];

export type SettingsResult =
  | { ok: true; value: BallotSettings & { voterCodes: number } }
  | { ok: false; errors: Partial<Record<SettingsField, string>> };

export function validateSettings(form: SettingsForm): SettingsResult {
  const errors: Partial<Record<SettingsField, string>> = {};
  const duplicateCheck = oneOf(form.duplicate_check, DUPLICATE_CHECKS, "none");
  if (!duplicateCheck) errors.duplicate_check = "Choose none, browser or code.";
  const listing = oneOf(form.listing, LISTINGS, "listed");
  if (!listing) errors.listing = "Choose listed or unlisted.";
  const resultsVisibility = oneOf(form.results_visibility, VISIBILITIES, "always");
  if (!resultsVisibility) {
    errors.results_visibility = "Choose always, after_vote, after_close or manual.";
  }
  let voterCodes = 0;
  if (duplicateCheck === "code") {
    const parsed = parseCodeCount(form.voter_codes);
    if (typeof parsed === "string") errors.voter_codes = parsed;
    else voterCodes = parsed;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      duplicateCheck: duplicateCheck!,
      listing: listing!,
      resultsVisibility: resultsVisibility!,
      voterCodes,
    },
  };
}

/** How many codes to issue: a whole number from 1 to 10,000, or a message. */
export function parseCodeCount(raw: string): number | string {
  const value = raw.trim();
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1 || Number(value) > MAX_VOTER_CODES) {
    return `Enter how many voter codes to issue, from 1 to ${
      MAX_VOTER_CODES.toLocaleString("en")
    }.`;
  }
  return Number(value);
}

function oneOf<T extends string>(raw: string, allowed: T[], absent: T): T | undefined {
  const value = raw.trim();
  if (value === "") return absent;
  return allowed.find((item) => item === value);
}
