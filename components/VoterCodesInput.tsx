import { MAX_VOTER_CODES } from "../lib/ballots/settings.ts";
import { describedBy, FieldError } from "./FieldError.tsx";

/** How many voter codes to issue (create form and manage page), with its message. */
export function VoterCodesInput(
  { value, error, autofocus }: { value?: string; error?: string; autofocus?: boolean },
) {
  return (
    <>
      <input
        id="voter_codes"
        name="voter_codes"
        type="number"
        min={1}
        max={MAX_VOTER_CODES}
        inputmode="numeric"
        value={value}
        autofocus={autofocus}
        {...describedBy("voter_codes-error", error)}
      />
      <FieldError id="voter_codes-error" message={error} />
    </>
  );
}
