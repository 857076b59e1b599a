/**
 * Wall times in named zones: a date and time as a person in Berlin typed it,
 * read as the instant they meant. Uses only Intl (the zone database the
 * runtime ships), so daylight-saving changes are followed for every zone.
 *
 * The rule at a change (the same as Temporal's "compatible"):
 * - a wall time that happens twice (clocks go back, e.g. 02:30 on the last
 *   Sunday of October in Berlin) is the EARLIER of the two instants;
 * - a wall time that never happens (clocks go forward, e.g. 02:30 on the last
 *   Sunday of March in Berlin) is moved forward by the gap (03:30 summer time).
 */

/** Always offered, first: the zone a time is read in when nobody chose one. */
export const DEFAULT_TIME_ZONE = "UTC";

let zoneList: readonly string[] | null = null;

/** Every IANA zone the runtime knows, `UTC` first. */
export function timeZones(): readonly string[] {
  zoneList ??= [DEFAULT_TIME_ZONE, ...Intl.supportedValuesOf("timeZone")];
  return zoneList;
}

const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-]*(\/[A-Za-z0-9_+\-]+){0,2}$/;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's formatter, or `null` when Intl does not know the zone (its name is checked first). */
function formatterFor(zone: string): Intl.DateTimeFormat | null {
  const kept = formatters.get(zone);
  if (kept) return kept;
  if (zone.length > 64 || !ZONE_NAME.test(zone)) return null;
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      era: "short",
    });
  } catch {
    return null;
  }
  // Bounded: the names Intl accepts are a fixed, finite set (aliases included).
  if (formatters.size < 2_000) formatters.set(zone, formatter);
  return formatter;
}

/** Whether `zone` is a time zone name Intl knows (an IANA name, `UTC`, an alias). */
export function isTimeZone(zone: string): boolean {
  return formatterFor(zone) !== null;
}

/** Minutes east of UTC that `zone` is ahead at `epochMs`. */
export function offsetAt(zone: string, epochMs: number): number {
  const formatter = formatterFor(zone);
  if (!formatter) throw new RangeError(`Unknown time zone: ${zone}`);
  const parts: Record<string, string> = {};
  for (const part of formatter.formatToParts(new Date(epochMs))) parts[part.type] = part.value;
  const year = parts.era === "BC" || parts.era === "B"
    ? 1 - Number(parts.year)
    : Number(parts.year);
  const wall = Date.UTC(
    year,
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  const whole = epochMs - (((epochMs % 1000) + 1000) % 1000);
  return Math.round((wall - whole) / 60_000);
}

/**
 * The instant at which clocks in `zone` show `wallMs` (a wall time written as
 * if it were UTC: `Date.UTC(y, m, d, h, mi, s)`), by the rule above.
 */
export function wallTimeToInstant(wallMs: number, zone: string): Date {
  // The offsets a day either side: any change near this wall time lies between them.
  const before = offsetAt(zone, wallMs - 86_400_000);
  const after = offsetAt(zone, wallMs + 86_400_000);
  const fits = [before, after]
    .map((offset) => wallMs - offset * 60_000)
    .filter((at) => wallMs - offsetAt(zone, at) * 60_000 === at);
  // Twice (overlap): the earlier. Never (gap): read with the offset before the change.
  if (fits.length > 0) return new Date(Math.min(...fits));
  return new Date(wallMs - before * 60_000);
}
