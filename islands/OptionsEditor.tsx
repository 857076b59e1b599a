/**
 * The create form's options, one input per option (field `options`, repeated),
 * so a comma inside an option is just a comma. The server's render is the
 * no-JS version: enough empty rows (components/CreateForm.tsx adds, after
 * the form's default button, a submit button that asks for more).
 * Hydrated, it adds and removes rows in place, moving focus sensibly and
 * saying what changed to screen readers.
 */
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";

export interface OptionsEditorProps {
  /** The options as typed so far, blanks included (the rows to show). */
  options: string[];
  /** The message for the options, if they were refused. */
  error: string | null;
  /** Whether the first row takes focus on load (the options are the first field in error). */
  focusFirst?: boolean;
}

/** Rows shown at least; a form sent back keeps its own. */
export const MIN_OPTION_ROWS = 4;
const MAX_ROWS = 100;

export function optionRows(options: string[]): string[] {
  const rows = [...options];
  while (rows.length < MIN_OPTION_ROWS) rows.push("");
  if (rows.every((row) => row.trim() !== "") && rows.length < MAX_ROWS) rows.push("");
  return rows;
}

export default function OptionsEditor({ options, error, focusFirst }: OptionsEditorProps) {
  const [rows, setRows] = useState(() => optionRows(options));
  // `false` until mounted: the first render must match the server's HTML.
  const [live, setLive] = useState(false);
  const [said, setSaid] = useState("");
  const focusRow = useRef<number | null>(null);
  const list = useRef<HTMLOListElement>(null);

  useEffect(() => setLive(true), []);
  // Before the next key press can land: a row moved in the DOM loses focus.
  useLayoutEffect(() => {
    if (focusRow.current === null) return;
    list.current?.querySelectorAll<HTMLInputElement>("input[name=options]")[focusRow.current]
      ?.focus();
    focusRow.current = null;
  });

  const add = () => {
    if (rows.length >= MAX_ROWS) return;
    focusRow.current = rows.length;
    setRows([...rows, ""]);
    setSaid(`Option ${rows.length + 1} added.`);
  };
  const remove = (index: number) => {
    focusRow.current = Math.max(0, Math.min(index, rows.length - 2));
    setRows(rows.length > 1 ? rows.filter((_, i) => i !== index) : [""]);
    setSaid(`Option ${index + 1} removed.`);
  };

  return (
    <fieldset
      class="field options-editor"
      aria-describedby={error ? "options_raw-error" : undefined}
      aria-invalid={error ? "true" : undefined}
    >
      <legend>
        options <span class="hint">(one per field)</span>
      </legend>
      <ol class="option-rows" ref={list}>
        {rows.map((value, index) => (
          <li class="option-row" key={index}>
            <input
              id={`option-input-${index}`}
              name="options"
              type="text"
              value={value}
              autocomplete="off"
              maxlength={200}
              dir="auto"
              aria-label={`option ${index + 1}`}
              autofocus={(focusFirst && index === 0) || undefined}
              placeholder={index === 0 ? "yes" : index === 1 ? "no" : ""}
              onInput={(event) => {
                const next = [...rows];
                next[index] = (event.target as HTMLInputElement).value;
                setRows(next);
              }}
            />
            {live && (
              <button
                type="button"
                class="btn btn-ghost btn-small"
                aria-label={`Remove option ${index + 1}`}
                onClick={() => remove(index)}
              >
                remove
              </button>
            )}
          </li>
        ))}
      </ol>
      {live && (
        <button type="button" class="btn btn-ghost" data-add-option onClick={add}>
          + add_option
        </button>
      )}
      <p class="sr-only" role="status" aria-live="polite">{said}</p>
    </fieldset>
  );
}
