export interface FieldErrorProps {
  id: string;
  message?: string;
}

/** The message beside a field; its id is what the field's aria-describedby points at. */
export function FieldError({ id, message }: FieldErrorProps) {
  if (!message) return null;
  return (
    <p class="field-error-msg" id={id} role="alert">
      {message}
    </p>
  );
}

export function describedBy(id: string, message?: string): Record<string, string> {
  return message ? { "aria-describedby": id, "aria-invalid": "true" } : {};
}
