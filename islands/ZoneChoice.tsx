/**
 * Says which zone the create form reads typed times in, beside the
 * `time_zone` select. Without JavaScript the select shows what the server
 * chose (the zone of this browser's last ballot, else UTC) and this says so.
 * Mounted, when nobody chose a zone yet (`guessed`), it sets the select to the
 * browser's own zone, adding it when the list lacks it (an alias).
 */
import { useEffect, useState } from "preact/hooks";

export interface ZoneChoiceProps {
  /** The id of the `time_zone` select. */
  target: string;
  /** Why the server picked the zone shown: `default` (UTC), `remembered` or `chosen`. */
  reason: "default" | "remembered" | "chosen";
}

const SAID = {
  default: "(UTC unless you choose)",
  remembered: "(from your last ballot)",
  chosen: "(as you chose)",
  browser: "(your browser's zone)",
} as const;

export function browserZone(): string | null {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
  } catch {
    return null;
  }
}

export default function ZoneChoice({ target, reason }: ZoneChoiceProps) {
  const [said, setSaid] = useState<keyof typeof SAID>(reason);
  useEffect(() => {
    if (reason !== "default") return;
    const select = document.getElementById(target) as HTMLSelectElement | null;
    const zone = browserZone();
    if (!select || !zone) return;
    if (![...select.options].some((option) => option.value === zone)) {
      select.add(new Option(zone, zone), 1);
    }
    select.value = zone;
    setSaid("browser");
    const chosen = () => setSaid("chosen");
    select.addEventListener("change", chosen);
    return () => select.removeEventListener("change", chosen);
  }, [target, reason]);
  return <span class="hint" id={`${target}-said`} data-zone-said={said}>{SAID[said]}</span>;
}
