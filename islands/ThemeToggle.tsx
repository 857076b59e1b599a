/// <reference lib="dom" />
/**
 * The light/dark switch in the top bar. The server renders `<html data-theme>`
 * from the cookie (no flash, no inline script); with no choice the stylesheet
 * follows `prefers-color-scheme`. A click flips the theme at once and keeps the
 * choice in localStorage and the cookie. Without JavaScript the button stays
 * hidden (it could not work) and the page follows the system.
 */
import { useEffect, useState } from "preact/hooks";
import { parseTheme, type Theme, THEME_COOKIE } from "../lib/theme.ts";

export interface ThemeToggleProps {
  /** The choice the server read from the cookie. */
  theme: Theme | null;
}

const YEAR_SECONDS = 365 * 24 * 3600;

export default function ThemeToggle({ theme }: ThemeToggleProps) {
  const [chosen, setChosen] = useState<Theme | null>(theme);
  const [system, setSystem] = useState<Theme>("dark");
  const [ready, setReady] = useState(false);

  useEffect(() => {
    const query = matchMedia("(prefers-color-scheme: light)");
    const follow = () => setSystem(query.matches ? "light" : "dark");
    follow();
    query.addEventListener("change", follow);
    // The stored choice wins (a cleared or expired cookie is written again).
    const stored = readStored();
    if (stored !== null && stored !== theme) {
      remember(stored);
      setChosen(stored);
    } else if (theme !== null && stored === null) {
      remember(theme);
    }
    setReady(true);
    return () => query.removeEventListener("change", follow);
  }, []);

  const shown = chosen ?? system;
  const next: Theme = shown === "light" ? "dark" : "light";
  return (
    <button
      type="button"
      class="theme-toggle"
      data-theme-toggle
      data-theme-shown={shown}
      hidden={!ready}
      onClick={() => {
        remember(next);
        setChosen(next);
      }}
    >
      <span aria-hidden="true">{shown === "light" ? "○ " : "● "}</span>
      <span class="theme-word">theme:</span>
      {shown}
      <span class="sr-only">(switch to {next})</span>
    </button>
  );
}

function readStored(): Theme | null {
  try {
    return parseTheme(localStorage.getItem(THEME_COOKIE));
  } catch {
    return null; // storage refused (privacy settings): the cookie still works
  }
}

/** Shows the theme now and keeps it for the next page (cookie: the server's copy). */
function remember(theme: Theme): void {
  const root = document.documentElement;
  root.dataset.theme = theme;
  document.querySelector('meta[name="color-scheme"]')?.setAttribute("content", theme);
  try {
    localStorage.setItem(THEME_COOKIE, theme);
  } catch {
    // storage refused: the cookie alone remembers
  }
  const secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie =
    `${THEME_COOKIE}=${theme}; Path=/; Max-Age=${YEAR_SECONDS}; SameSite=Lax${secure}`;
}
