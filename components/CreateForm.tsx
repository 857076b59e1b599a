import type { ComponentChildren } from "preact";
import {
  type CreateBallotForm,
  DURATION_CHOICES,
  DURATION_UNITS,
  END_TYPES,
  type FieldErrors,
  MAX_MEASURE_CHARS,
} from "../lib/ballots/rules.ts";
import type { SettingsField, SettingsForm } from "../lib/ballots/settings.ts";
import type { CreateField } from "../lib/ballots/rules.ts";
import { describedBy, FieldError } from "./FieldError.tsx";
import { SettingsFields } from "./SettingsFields.tsx";
import { StartTimeInput } from "./StartTimeInput.tsx";
import { Island } from "./Island.tsx";
import OptionsEditor from "../islands/OptionsEditor.tsx";
import QuestionCount from "../islands/QuestionCount.tsx";
import ZoneChoice from "../islands/ZoneChoice.tsx";
import ErrorSummary from "../islands/ErrorSummary.tsx";
import { DEFAULT_TIME_ZONE, timeZones } from "../lib/ballots/zones.ts";

export interface CreateFormProps {
  form: CreateBallotForm;
  settings: SettingsForm;
  errors: FieldErrors<CreateField | SettingsField>;
  csrfToken: string;
  /** The zone of this browser's last ballot (a cookie), shown when the form sent none. */
  rememberedZone?: string;
}

type AnyField = CreateField | SettingsField;

/**
 * Each field that can be refused, in the form's order: the control that takes
 * focus when it is the first in error, and the words the summary links with.
 */
function errorTargets(
  form: CreateBallotForm,
  settings: SettingsForm,
): [AnyField, string, string][] {
  return [
    ["measure", "measure", "question"],
    ["options_raw", "option-input-0", "options"],
    ["kind", `kind-${form.kind || "single"}`, "kind"],
    ["max_choices", "max_choices", "max_choices"],
    ["start_time_type", "start_time_type-now", "starts"],
    ["scheduled_start_time", "scheduled_start_time", "starts"],
    ["end_type", "end_type-duration", "ends"],
    ["duration_mins", "duration_mins", "ends"],
    ["duration_amount", "duration_amount", "ends"],
    ["end_time", "end_time", "ends"],
    ["time_zone", "time_zone", "time_zone"],
    ["duplicate_check", `duplicate_check-${settings.duplicate_check || "none"}`, "who_can_vote"],
    ["voter_codes", "voter_codes", "voter_codes"],
    [
      "results_visibility",
      `results_visibility-${settings.results_visibility || "always"}`,
      "show_results",
    ],
    ["listing", "listing", "list_on_home_page"],
  ];
}

const DURATION_LABELS: Record<number, string> = {
  10: "10_minutes",
  60: "1_hour",
  1440: "24_hours",
  0: "no_end",
};

/** The whole form: the page's body and, on a validation error, the HTMX fragment. */
export function CreateForm(
  { form, settings, errors, csrfToken, rememberedZone = "" }: CreateFormProps,
) {
  const scheduled = form.start_time_type === "scheduled";
  const duration = form.duration_mins.trim() === "" ? "0" : form.duration_mins;
  const durationKnown = DURATION_CHOICES.some((mins) => String(mins) === duration);
  const endType = END_TYPES.find((type) => type === form.end_type) ?? "duration";
  const inError = errorTargets(form, settings).filter(([field]) => errors[field]);
  // The first field in error takes focus: `autofocus` on a page, the summary's island after a swap.
  const focusId = inError[0]?.[1] ?? "";
  const focus = (id: string) => (id === focusId ? { autofocus: true } : {});
  const sentZone = (form.time_zone ?? "").trim();
  const zone = sentZone || rememberedZone || DEFAULT_TIME_ZONE;
  const zoneReason: "chosen" | "remembered" | "default" = sentZone
    ? "chosen"
    : rememberedZone
    ? "remembered"
    : "default";
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
      {inError.length > 0 && (
        <Island
          component={ErrorSummary}
          props={{
            fields: inError.map(([, id, label]) => ({ id, label })).filter((field, i, all) =>
              all.findIndex((other) => other.label === field.label) === i
            ),
          }}
        />
      )}
      <div class="field">
        <label for="measure">question</label>
        <textarea
          id="measure"
          name="measure"
          rows={2}
          maxlength={MAX_MEASURE_CHARS}
          autocomplete="off"
          dir="auto"
          placeholder="what are we deciding?"
          aria-describedby={errors.measure ? "measure-error measure-count" : "measure-count"}
          aria-invalid={errors.measure ? "true" : undefined}
          {...focus("measure")}
        >
          {form.measure}
        </textarea>
        <Island component={QuestionCount} props={{ target: "measure", max: MAX_MEASURE_CHARS }} />
        <FieldError id="measure-error" message={errors.measure} />
      </div>
      <Island
        component={OptionsEditor}
        props={{
          options: form.options ?? [],
          error: errors.options_raw ?? null,
          focusFirst: focusId === "option-input-0",
        }}
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
      <KindFields form={form} errors={errors} focusId={focusId} />
      <div class="field field-inline">
        <input
          id="allow_write_in"
          name="allow_write_in"
          type="checkbox"
          checked={form.allow_write_in}
        />
        <label for="allow_write_in">
          allow_write_ins <span class="hint">(voters may add an option of their own)</span>
        </label>
      </div>
      <fieldset
        class="field"
        {...describedBy("start_time_type-error", errors.start_time_type)}
      >
        <legend>starts</legend>
        <div class="choices">
          {(["now", "scheduled"] as const).map((type) => (
            <label class="choice">
              <input
                type="radio"
                id={`start_time_type-${type}`}
                name="start_time_type"
                value={type}
                checked={type === "scheduled" ? scheduled : !scheduled}
                hx-get="/partials/start-time-input"
                hx-target="#start-time-slot"
                hx-swap="innerHTML"
                hx-trigger="change"
                {...focus(`start_time_type-${type}`)}
              />
              {type === "now" ? "now" : "later"}
            </label>
          ))}
        </div>
        <FieldError id="start_time_type-error" message={errors.start_time_type} />
        <div id="start-time-slot">
          {scheduled
            ? (
              <StartTimeInput
                value={form.scheduled_start_time}
                error={errors.scheduled_start_time}
                autofocus={focusId === "scheduled_start_time"}
              />
            )
            : (
              <noscript>
                <StartTimeInput value={form.scheduled_start_time} />
              </noscript>
            )}
        </div>
      </fieldset>
      <fieldset class="field" {...describedBy("end_type-error", errors.end_type)}>
        <legend>ends</legend>
        <div class="end-choices">
          <EndChoice
            value="duration"
            label="after"
            chosen={endType}
            autofocus={focusId === "end_type-duration"}
          >
            <select
              id="duration_mins"
              name="duration_mins"
              aria-label="ends after"
              data-picks="end_type-duration"
              {...describedBy("duration_mins-error", errors.duration_mins)}
              {...focus("duration_mins")}
            >
              {!durationKnown && <option value={duration} selected>{duration}</option>}
              {DURATION_CHOICES.map((mins) => (
                <option value={String(mins)} selected={String(mins) === duration}>
                  {DURATION_LABELS[mins]}
                </option>
              ))}
            </select>
          </EndChoice>
          <EndChoice value="custom" label="after_custom" chosen={endType}>
            <input
              id="duration_amount"
              name="duration_amount"
              type="number"
              min={1}
              inputmode="numeric"
              aria-label="custom duration"
              data-picks="end_type-custom"
              value={form.duration_amount ?? ""}
              {...describedBy("duration_amount-error", errors.duration_amount)}
              {...focus("duration_amount")}
            />
            <select
              id="duration_unit"
              name="duration_unit"
              aria-label="unit of the custom duration"
              data-picks="end_type-custom"
            >
              {Object.keys(DURATION_UNITS).map((unit) => (
                <option value={unit} selected={unit === (form.duration_unit || "hours")}>
                  {unit}
                </option>
              ))}
            </select>
          </EndChoice>
          <EndChoice value="at" label="at" chosen={endType}>
            <input
              id="end_time"
              name="end_time"
              type="datetime-local"
              step="60"
              aria-label="ends at (date and time)"
              data-picks="end_type-at"
              value={form.end_time ?? ""}
              {...describedBy("end_time-error", errors.end_time)}
              {...focus("end_time")}
            />
          </EndChoice>
        </div>
        <FieldError id="end_type-error" message={errors.end_type} />
        <FieldError id="duration_mins-error" message={errors.duration_mins} />
        <FieldError id="duration_amount-error" message={errors.duration_amount} />
        <FieldError id="end_time-error" message={errors.end_time} />
      </fieldset>
      <div class="field">
        <label for="time_zone">
          time_zone <span class="hint">(for a start or end typed as a date and time)</span>
        </label>
        <select
          id="time_zone"
          name="time_zone"
          {...describedBy("time_zone-error", errors.time_zone)}
          aria-describedby={errors.time_zone ? "time_zone-error time_zone-said" : "time_zone-said"}
          {...focus("time_zone")}
        >
          {!timeZones().includes(zone) && <option value={zone} selected>{zone}</option>}
          {timeZones().map((name) => (
            <option key={name} value={name} selected={name === zone}>{name}</option>
          ))}
        </select>
        <Island component={ZoneChoice} props={{ target: "time_zone", reason: zoneReason }} />
        <FieldError id="time_zone-error" message={errors.time_zone} />
      </div>
      <SettingsFields form={settings} errors={errors} focusId={focusId} />
      <div class="form-actions">
        {/* `initialize_ballot` is the SPEC's name for this button: kept as its id for scripts. */}
        <button type="submit" class="btn btn-primary" id="initialize_ballot">create_ballot</button>
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

/** One way a ballot can end: its radio (`end_type`), its label, and the fields it reads. */
function EndChoice(
  props: {
    value: (typeof END_TYPES)[number];
    label: string;
    chosen: string;
    autofocus?: boolean;
    children: ComponentChildren;
  },
) {
  const id = `end_type-${props.value}`;
  return (
    <div class="end-choice">
      <input
        type="radio"
        id={id}
        name="end_type"
        value={props.value}
        checked={props.chosen === props.value}
        autofocus={props.autofocus}
      />
      <label for={id}>{props.label}</label>
      {props.children}
    </div>
  );
}

const KIND_LABELS = {
  single: "single_choice",
  approval: "approval (choose any)",
  ranked: "ranked_choice (instant runoff)",
} as const;

/** The ballot kind, and the approval cap (ignored by the other kinds). */
function KindFields(
  { form, errors, focusId }: Pick<CreateFormProps, "form" | "errors"> & { focusId: string },
) {
  const kind = form.kind || "single";
  return (
    <>
      <fieldset class="field" {...describedBy("kind-error", errors.kind)}>
        <legend>kind</legend>
        <div class="choices">
          {(Object.keys(KIND_LABELS) as (keyof typeof KIND_LABELS)[]).map((name) => (
            <label class="choice">
              <input
                type="radio"
                id={`kind-${name}`}
                name="kind"
                value={name}
                checked={kind === name}
                autofocus={focusId === `kind-${name}` || undefined}
              />
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
          autofocus={focusId === "max_choices" || undefined}
          {...describedBy("max_choices-error", errors.max_choices)}
        />
        <FieldError id="max_choices-error" message={errors.max_choices} />
      </div>
    </>
  );
}
