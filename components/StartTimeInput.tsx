import { describedBy, FieldError } from "./FieldError.tsx";

export interface StartTimeInputProps {
  value?: string;
  error?: string;
  /** Whether the field takes focus on load (it is the first field in error). */
  autofocus?: boolean;
}

/**
 * The scheduled-start field: a date and time to the minute (no seconds to
 * fill in), read in the form's `time_zone`; an ISO 8601 instant with an offset
 * is taken as it is. The label's id keeps the SPEC's name for this field,
 * `commencement_timestamp`, for scripts that look for it.
 */
export function StartTimeInput({ value = "", error, autofocus }: StartTimeInputProps) {
  return (
    <div class="field" id="scheduled-start-field">
      <label for="scheduled_start_time" id="commencement_timestamp">
        date_and_time <span class="hint">(in the time_zone below)</span>
      </label>
      <input
        id="scheduled_start_time"
        name="scheduled_start_time"
        type="datetime-local"
        step="60"
        value={value}
        autofocus={autofocus || undefined}
        {...describedBy("scheduled_start_time-error", error)}
      />
      <FieldError id="scheduled_start_time-error" message={error} />
    </div>
  );
}
