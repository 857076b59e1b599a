/**
 * An instant as `<time datetime>`. On the server: UTC with the zone named
 * (`2026-11-29 14:00 UTC`), right for everyone and readable without
 * JavaScript. In an island once mounted: the reader's own zone and language.
 */
export interface TimeProps {
  /** An ISO 8601 instant. */
  at: string;
  /** Show it in the browser's zone and language (only after hydration). */
  local?: boolean;
}

export function Time({ at, local = false }: TimeProps) {
  const date = new Date(at);
  return (
    <time
      datetime={date.toISOString()}
      title={local ? utcText(date) : undefined}
      lang={local ? readerLocale() : undefined}
    >
      {local ? localText(date) : utcText(date)}
    </time>
  );
}

/** `2026-11-29 14:00 UTC`, with `:05` seconds only when the instant has them. */
export function utcText(date: Date): string {
  const iso = date.toISOString();
  const seconds = date.getUTCSeconds() === 0 ? "" : iso.slice(16, 19);
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}${seconds} UTC`;
}

/** The language the reader's dates are written in (the page itself is in English). */
export function readerLocale(): string {
  return new Intl.DateTimeFormat().resolvedOptions().locale;
}

/** The instant as the reader's locale writes it, in their zone (or `timeZone`), the zone named. */
export function localText(date: Date, locales?: string | string[], timeZone?: string): string {
  return new Intl.DateTimeFormat(locales, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    second: date.getUTCSeconds() === 0 ? undefined : "2-digit",
    timeZoneName: "short",
    timeZone,
  }).format(date);
}
