/**
 * After a refused submit: says how many fields need a fix (an alert, so it is
 * announced), links to each, and moves focus to the first. The server renders
 * the first field in error with `autofocus`, so a plain POST (JavaScript or
 * not) lands there too; this covers the htmx swap, after htmx has put focus
 * back where it was (it restores focus by id during the swap).
 */
import { useEffect } from "preact/hooks";

export interface ErrorSummaryProps {
  /** Each field in error, in form order: the id of its control and its visible label. */
  fields: { id: string; label: string }[];
}

export default function ErrorSummary({ fields }: ErrorSummaryProps) {
  useEffect(() => {
    const first = fields[0] && document.getElementById(fields[0].id);
    if (first && document.activeElement !== first) first.focus();
  }, []);
  if (fields.length === 0) return null;
  const count = fields.length === 1 ? "1 field needs" : `${fields.length} fields need`;
  return (
    <div class="form-errors" role="alert" id="form-errors">
      <p>The ballot was not created: {count} a fix.</p>
      <ul>
        {fields.map((field) => (
          <li>
            <a href={`#${field.id}`}>{field.label}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}
