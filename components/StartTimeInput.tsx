import { describedBy, FieldError } from "./FieldError.tsx";

export interface StartTimeInputProps {
  value?: string;
  tzOffsetMins?: string;
  error?: string;
}

/**
 * The scheduled-start field. The browser's local-time island fills
 * `tz_offset_mins` so a zone-less local time is stored as the right instant;
 * without JavaScript the time is read as UTC.
 */
export function StartTimeInput({ value = "", tzOffsetMins = "", error }: StartTimeInputProps) {
  return (
    <div class="field" id="scheduled-start-field">
      <label for="scheduled_start_time">
        commencement_timestamp <span class="hint" data-tz-hint>(utc)</span>
      </label>
      <input
        id="scheduled_start_time"
        name="scheduled_start_time"
        type="datetime-local"
        step="1"
        value={value}
        data-local-time
        {...describedBy("scheduled_start_time-error", error)}
      />
      <input type="hidden" name="tz_offset_mins" value={tzOffsetMins} data-tz-offset />
      <FieldError id="scheduled_start_time-error" message={error} />
    </div>
  );
}
