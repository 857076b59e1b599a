/**
 * The reader's theme choice: `light` or `dark`, or none (follow the system's
 * `prefers-color-scheme`). The toggle island keeps it in localStorage and in
 * this cookie, which the server reads to render `<html data-theme>`, so a
 * chosen theme shows from the first paint with no inline script.
 */
export type Theme = "light" | "dark";

export const THEME_COOKIE = "oponn_theme";

/** A cookie or storage value as a theme; anything else is no choice. */
export function parseTheme(value: string | null | undefined): Theme | null {
  return value === "light" || value === "dark" ? value : null;
}
