import { type Ballot, statusOf } from "../lib/ballots/rules.ts";
import type { BallotKind } from "../lib/ballots/types.ts";
import { type VoteField, type VoteForm as VoteFormValues, WRITE_IN } from "../lib/votes/rules.ts";
import { CastButton } from "./CastButton.tsx";
import { describedBy, FieldError } from "./FieldError.tsx";
import { RankedChoices } from "./RankedChoices.tsx";

export interface VoteFormProps {
  ballot: Ballot;
  form: VoteFormValues;
  errors: Partial<Record<VoteField, string>>;
  csrfToken: string;
  /** Sent back with the vote: this page's vote counts once however often it is submitted. */
  voteKey: string;
  now: Date;
}

/**
 * The ballot's form. Its `hx-target`/`hx-swap` are inherited by what is inside, so the
 * live `cast` slot names its own: otherwise the event would replace the whole form.
 */
export function VoteForm({ ballot, form, errors, csrfToken, voteKey, now }: VoteFormProps) {
  const Choices = CHOICES[ballot.kind] ?? SingleChoices;
  return (
    <form
      id="vote-form"
      class="panel form"
      method="post"
      action={`/vote/${ballot.id}`}
      hx-post={`/vote/${ballot.id}`}
      hx-target="this"
      hx-swap="outerHTML"
    >
      <input type="hidden" name="X-CSRF-Token" value={csrfToken} />
      {/* autocomplete off: a page brought back by Back gets no old key restored into it. */}
      <input type="hidden" name="vote_key" value={voteKey} autocomplete="off" />
      <Choices ballot={ballot} form={form} errors={errors} />
      {ballot.duplicateCheck === "code" && (
        <div class="field">
          <label for="voter_code">voter_code</label>
          <input
            id="voter_code"
            name="voter_code"
            type="text"
            value={form.voter_code ?? ""}
            autocomplete="one-time-code"
            autocapitalize="characters"
            spellcheck={false}
            maxlength={64}
            placeholder="XXXX-XXXX-XXXX-XXXX"
            {...describedBy("voter_code-error", errors.voter_code)}
          />
          <FieldError id="voter_code-error" message={errors.voter_code} />
        </div>
      )}
      <div class="form-actions" sse-swap="cast" hx-target="this" hx-swap="innerHTML">
        <CastButton active={statusOf(ballot, now) === "active"} />
      </div>
    </form>
  );
}

export interface ChoicesProps {
  ballot: Ballot;
  form: VoteFormValues;
  errors: Partial<Record<VoteField, string>>;
}

/** Each kind's inputs; every one submits the fields SPEC section 7 names. */
const CHOICES: Record<BallotKind, (props: ChoicesProps) => preact.JSX.Element> = {
  single: SingleChoices,
  approval: ApprovalChoices,
  ranked: RankedChoices,
};

function SingleChoices({ ballot, form, errors }: ChoicesProps) {
  return (
    <>
      <fieldset class="options" {...describedBy("option-error", errors.option)}>
        <legend>choose_one</legend>
        {ballot.options.map((option, index) => (
          <label class="choice option" for={`option-${index}`}>
            <input
              id={`option-${index}`}
              type="radio"
              name="option"
              value={option}
              checked={form.option === option}
              required
            />
            <span dir="auto">{option}</span>
          </label>
        ))}
        {ballot.allowWriteIn && (
          <WriteIn type="radio" checked={form.option === WRITE_IN} form={form} errors={errors} />
        )}
      </fieldset>
      <FieldError id="option-error" message={errors.option} />
    </>
  );
}

/** Checkboxes (repeated `option`); a checked write-in counts as one choice. */
function ApprovalChoices({ ballot, form, errors }: ChoicesProps) {
  const chosen = new Set(form.options ?? []);
  return (
    <>
      <fieldset class="options" {...describedBy("option-error", errors.option)}>
        <legend>
          choose_any
          {ballot.maxChoices !== null && (
            <span class="hint">
              &nbsp;(at most {ballot.maxChoices} option{ballot.maxChoices === 1 ? "" : "s"})
            </span>
          )}
        </legend>
        {ballot.options.map((option, index) => (
          <label class="choice option" for={`option-${index}`}>
            <input
              id={`option-${index}`}
              type="checkbox"
              name="option"
              value={option}
              checked={chosen.has(option)}
            />
            <span dir="auto">{option}</span>
          </label>
        ))}
        {ballot.allowWriteIn && (
          <WriteIn type="checkbox" checked={chosen.has(WRITE_IN)} form={form} errors={errors} />
        )}
      </fieldset>
      <FieldError id="option-error" message={errors.option} />
    </>
  );
}

function WriteIn(
  { type, checked, form, errors }: {
    type: "radio" | "checkbox";
    checked: boolean;
    form: VoteFormValues;
    errors: Partial<Record<VoteField, string>>;
  },
) {
  return (
    <div class="write-in">
      <label class="choice option" for="option-write-in">
        <input id="option-write-in" type={type} name="option" value={WRITE_IN} checked={checked} />
        <span>write_in</span>
      </label>
      <label class="sr-only" for="write_in_value">your_own_option</label>
      <input
        id="write_in_value"
        name="write_in_value"
        type="text"
        value={form.write_in_value}
        dir="auto"
        maxlength={200}
        autocomplete="off"
        placeholder="your_own_option"
        {...describedBy("write_in_value-error", errors.write_in_value)}
      />
      <FieldError id="write_in_value-error" message={errors.write_in_value} />
    </div>
  );
}
