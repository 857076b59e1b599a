import { type CreateBallotForm, DURATION_CHOICES, type FieldErrors } from "../lib/ballots/rules.ts";
import type { SettingsField, SettingsForm } from "../lib/ballots/settings.ts";
import type { CreateField } from "../lib/ballots/rules.ts";
import { describedBy, FieldError } from "./FieldError.tsx";
import { SettingsFields } from "./SettingsFields.tsx";
import { StartTimeInput } from "./StartTimeInput.tsx";
import { Island } from "./Island.tsx";
import OptionsEditor from "../islands/OptionsEditor.tsx";

export interface CreateFormProps {
  form: CreateBallotForm;
  settings: SettingsForm;
  errors: FieldErrors<CreateField | SettingsField>;
  csrfToken: string;
}

const DURATION_LABELS: Record<number, string> = {
  10: "10_minutes",
  60: "1_hour",
  1440: "24_hours",
  0: "no_end",
};

/** The whole form: the page's body and, on a validation error, the HTMX fragment. */
export function CreateForm({ form, settings, errors, csrfToken }: CreateFormProps) {
  const scheduled = form.start_time_type === "scheduled";
  const duration = form.duration_mins.trim() === "" ? "0" : form.duration_mins;
  const durationKnown = DURATION_CHOICES.some((mins) => String(mins) === duration);
  return (
    <form
      id="create-form"
      class="panel form"
      method="post"
      action="/create"
      hx-post="/create"
      hx-target="this"
      hx-swap="outerHTML"
      novalidate
    >
      <input type="hidden" name="X-CSRF-Token" value={csrfToken} />
      <div class="field">
        <label for="measure">measure</label>
        <input
          id="measure"
          name="measure"
          type="text"
          value={form.measure}
          maxlength={1000}
          autocomplete="off"
          placeholder="what_are_we_deciding?"
          {...describedBy("measure-error", errors.measure)}
        />
        <FieldError id="measure-error" message={errors.measure} />
      </div>
      <Island
        component={OptionsEditor}
        props={{ options: form.options ?? [], error: errors.options_raw ?? null }}
      />
      <div class="field">
        <label for="options_raw">
          or_paste_a_list <span class="hint">(comma_separated)</span>
        </label>
        <input
          id="options_raw"
          name="options_raw"
          type="text"
          value={form.options_raw}
          autocomplete="off"
          placeholder="yes, no, abstain"
          {...describedBy("options_raw-error", errors.options_raw)}
        />
        <FieldError id="options_raw-error" message={errors.options_raw} />
      </div>
      <KindFields form={form} errors={errors} />
      <div class="field field-inline">
        <input
          id="allow_write_in"
          name="allow_write_in"
          type="checkbox"
          checked={form.allow_write_in}
        />
        <label for="allow_write_in">allow_write_in</label>
      </div>
      <fieldset class="field">
        <legend>start_time</legend>
        <div class="choices">
          {(["now", "scheduled"] as const).map((type) => (
            <label class="choice">
              <input
                type="radio"
                name="start_time_type"
                value={type}
                checked={type === "scheduled" ? scheduled : !scheduled}
                hx-get="/partials/start-time-input"
                hx-target="#start-time-slot"
                hx-swap="innerHTML"
                hx-trigger="change"
              />
              {type === "now" ? "now" : "scheduled"}
            </label>
          ))}
        </div>
        <FieldError id="start_time_type-error" message={errors.start_time_type} />
        <div id="start-time-slot">
          {scheduled
            ? (
              <StartTimeInput
                value={form.scheduled_start_time}
                tzOffsetMins={form.tz_offset_mins}
                error={errors.scheduled_start_time}
              />
            )
            : (
              <noscript>
                <StartTimeInput value={form.scheduled_start_time} />
              </noscript>
            )}
        </div>
      </fieldset>
      <div class="field">
        <label for="duration_mins">duration</label>
        <select
          id="duration_mins"
          name="duration_mins"
          {...describedBy("duration_mins-error", errors.duration_mins)}
        >
          {!durationKnown && <option value={duration} selected>{duration}</option>}
          {DURATION_CHOICES.map((mins) => (
            <option value={String(mins)} selected={String(mins) === duration}>
              {DURATION_LABELS[mins]}
            </option>
          ))}
        </select>
        <FieldError id="duration_mins-error" message={errors.duration_mins} />
      </div>
      <SettingsFields form={settings} errors={errors} />
      <div class="form-actions">
        <button type="submit" class="btn btn-primary">initialize_ballot</button>
        {/* After the default button, so Enter in a field still creates the ballot. */}
        <noscript>
          <button type="submit" class="btn" name="more_options" value="5" formnovalidate>
            + more_option_rows
          </button>
        </noscript>
      </div>
    </form>
  );
}

const KIND_LABELS = {
  single: "single_choice",
  approval: "approval (choose any)",
  ranked: "ranked_choice (instant runoff)",
} as const;

/** The ballot kind, and the approval cap (ignored by the other kinds). */
function KindFields({ form, errors }: Pick<CreateFormProps, "form" | "errors">) {
  const kind = form.kind || "single";
  return (
    <>
      <fieldset class="field" {...describedBy("kind-error", errors.kind)}>
        <legend>kind</legend>
        <div class="choices">
          {(Object.keys(KIND_LABELS) as (keyof typeof KIND_LABELS)[]).map((name) => (
            <label class="choice">
              <input type="radio" name="kind" value={name} checked={kind === name} />
              {KIND_LABELS[name]}
            </label>
          ))}
        </div>
        <FieldError id="kind-error" message={errors.kind} />
      </fieldset>
      <div class="field">
        <label for="max_choices">
          max_choices <span class="hint">(approval only; empty: no cap)</span>
        </label>
        <input
          id="max_choices"
          name="max_choices"
          type="number"
          min={1}
          max={100}
          inputmode="numeric"
          value={form.max_choices ?? ""}
          {...describedBy("max_choices-error", errors.max_choices)}
        />
        <FieldError id="max_choices-error" message={errors.max_choices} />
      </div>
    </>
  );
}
