import type { SettingsField, SettingsForm } from "../lib/ballots/settings.ts";
import { describedBy, FieldError } from "./FieldError.tsx";
import { VoterCodesInput } from "./VoterCodesInput.tsx";

export interface SettingsFieldsProps {
  form: SettingsForm;
  errors: Partial<Record<SettingsField, string>>;
  /** The id of the control that takes focus on load (the first field in error), if any. */
  focusId?: string;
}

const DUPLICATE_CHECKS = [
  ["browser", "one_vote_per_browser", "a second vote from the same browser is refused"],
  ["code", "one_vote_per_code", "you hand out one-time voter codes; a secret ballot"],
  ["none", "no_check", "every vote counts, as many as anyone casts"],
] as const;

const VISIBILITIES = [
  ["always", "always", "anyone can watch the results live"],
  ["after_vote", "after_voting", "each voter sees them once they have voted"],
  ["after_close", "after_close", "hidden until voting ends"],
  ["manual", "when_i_publish", "hidden until you publish them"],
] as const;

/** Who may vote how often, who sees the results when, and whether the ballot is on the home page. */
export function SettingsFields({ form, errors, focusId = "" }: SettingsFieldsProps) {
  const focus = (id: string) => (id === focusId ? { autofocus: true } : {});
  const check = form.duplicate_check || "none";
  const visibility = form.results_visibility || "always";
  return (
    <>
      <fieldset class="field" {...describedBy("duplicate_check-error", errors.duplicate_check)}>
        <legend>who_can_vote</legend>
        <div class="choices stacked">
          {DUPLICATE_CHECKS.map(([value, label, hint]) => (
            <label class="choice">
              <input
                type="radio"
                id={`duplicate_check-${value}`}
                name="duplicate_check"
                value={value}
                checked={check === value}
                {...focus(`duplicate_check-${value}`)}
              />
              {label} <span class="hint">{hint}</span>
            </label>
          ))}
        </div>
        <FieldError id="duplicate_check-error" message={errors.duplicate_check} />
        <label for="voter_codes" class="sub-label">
          voter_codes <span class="hint">(how many to issue, with one_vote_per_code)</span>
        </label>
        <VoterCodesInput
          value={form.voter_codes}
          error={errors.voter_codes}
          autofocus={focusId === "voter_codes"}
        />
      </fieldset>
      <fieldset
        class="field"
        {...describedBy("results_visibility-error", errors.results_visibility)}
      >
        <legend>show_results</legend>
        <div class="choices stacked">
          {VISIBILITIES.map(([value, label, hint]) => (
            <label class="choice">
              <input
                type="radio"
                id={`results_visibility-${value}`}
                name="results_visibility"
                value={value}
                checked={visibility === value}
                {...focus(`results_visibility-${value}`)}
              />
              {label} <span class="hint">{hint}</span>
            </label>
          ))}
        </div>
        <FieldError id="results_visibility-error" message={errors.results_visibility} />
      </fieldset>
      <div class="field field-inline">
        <input type="hidden" name="listing" value="unlisted" />
        <input
          id="listing"
          name="listing"
          type="checkbox"
          value="listed"
          checked={form.listing === "listed"}
          {...focus("listing")}
        />
        <label for="listing">
          list_on_home_page <span class="hint">(otherwise only people with the link find it)</span>
        </label>
        <FieldError id="listing-error" message={errors.listing} />
      </div>
    </>
  );
}
