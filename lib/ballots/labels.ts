/**
 * Labels: measures, options and write-ins as they are shown and as they are
 * compared. Pure and linear in the length of the text: every regex here
 * matches one character (or a run of spaces) with at most a bounded
 * look-around, so none backtracks; tags are stripped in one scan.
 */

/** The vote form's value for "write-in": no option may take this name. */
export const RESERVED_OPTION = "__write_in__";

const CONTROL = /\p{Cc}/u;
const CONTROL_ALL = /\p{Cc}/gu;
// deno-lint-ignore no-control-regex
const CONTROL_BREAKS = /[\t\n\v\f\r\u001C-\u001F\u0085]/g;
/**
 * Invisible and direction-control characters: format characters (zero-width
 * spaces, joiners, bidi marks, embeddings, overrides and isolates, the
 * byte-order mark, the soft hyphen, tag characters), lone surrogates, the
 * combining grapheme joiner and the Hangul fillers that render as nothing. A
 * zero-width joiner between two pictographs (👨‍👩‍👧, after an optional
 * variation selector or skin tone) is part of what is seen, so it stays.
 * Each branch is one character with a bounded look-around: linear.
 */
const INVISIBLE_ALL = new RegExp(
  [
    "(?!\\u200D)[\\p{Cf}\\p{Cs}\\u034F\\u115F\\u1160\\u3164\\uFFA0]",
    "(?<!\\p{Extended_Pictographic}[\\uFE0F\\u{1F3FB}-\\u{1F3FF}]{0,2})\\u200D",
    "\\u200D(?!\\p{Extended_Pictographic})",
  ].join("|"),
  "gu",
);
const INVISIBLE = new RegExp(INVISIBLE_ALL.source, "u");
/** Ignored when comparing: the above plus variation selectors and the like. */
const IGNORABLE_ALL = /[\p{Default_Ignorable_Code_Point}\p{Cc}\p{Cf}\p{Cs}]/gu;
/** Runs of white space; JavaScript counts U+FEFF as one, but it is an invisible character here. */
const SPACES = /[^\S\uFEFF]+/gu;
/** What may surround a write-in without making it a different one. */
const SURROUNDING = /[\s\p{Terminal_Punctuation}\p{Pd}\p{Ps}\p{Pe}\p{Pi}\p{Pf}"'`_~*¡¿]/u;

/**
 * How much raw text (UTF-16 units) can still come within `maxChars` code
 * points once normalised: NFKC at most composes 4 code points into 1, and a
 * code point is at most 2 units, so anything longer is refused unread.
 */
export function withinReach(text: string, maxChars: number): boolean {
  return text.length <= maxChars * 8;
}

export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** What a measure or option must not contain, or `null`. */
export function forbiddenIn(text: string): "control" | "invisible" | null {
  if (CONTROL.test(text)) return "control";
  return INVISIBLE.test(text) ? "invisible" : null;
}

/** The spelling shown: NFKC, spaces collapsed, trimmed. */
export function normalizeLabel(raw: string): string {
  return collapseSpaces(raw.trim().normalize("NFKC"));
}

/**
 * Two measures or options with the same key are the same: NFKC, case folded
 * (upper then lower, so that `ß` meets `SS`), invisible and ignorable
 * characters dropped, spaces collapsed.
 */
export function labelKey(text: string): string {
  const folded = text.normalize("NFKC").replace(IGNORABLE_ALL, "").toUpperCase().toLowerCase();
  return collapseSpaces(folded.normalize("NFKC"));
}

/**
 * The key of one of a ballot's listed options, computed once per options list
 * (a cached ballot keeps its list, and every vote for it names one of them).
 */
export function listedKey(options: readonly string[], option: string): string {
  return keysOf(options).listed.get(option) ?? labelKey(option);
}

/** Write-ins also ignore surrounding punctuation: `  TACOS! ` is `tacos`. */
export function writeInKey(text: string): string {
  const key = labelKey(text);
  const chars = Array.from(key);
  let start = 0;
  let end = chars.length;
  while (start < end && SURROUNDING.test(chars[start])) start++;
  while (end > start && SURROUNDING.test(chars[end - 1])) end--;
  // A write-in of punctuation alone keeps it, rather than meeting every other one at "".
  return start === end ? key : chars.slice(start, end).join("");
}

/**
 * A write-in as it will be shown: tags, controls and invisible characters
 * stripped, NFKC, spaces collapsed, trimmed. Text too long to ever fit
 * `maxChars` is returned stripped but not normalised (it is refused anyway).
 */
export function cleanWriteIn(raw: string, maxChars = 64): string {
  const stripped = stripInvisible(stripTags(raw)).trim();
  if (!withinReach(stripped, maxChars)) return stripped;
  // NFKC turns full-width `＜` into `<`, so tags are stripped again after it.
  return collapseSpaces(stripTags(stripped.normalize("NFKC")));
}

/**
 * Removes `<…>` exactly as `/<[^>]*>/g` would, in one scan: a `<` with no `>`
 * after it stays, and so does everything after it.
 */
export function stripTags(text: string): string {
  let out = "";
  let from = 0;
  while (from < text.length) {
    const open = text.indexOf("<", from);
    if (open < 0) break;
    const close = text.indexOf(">", open + 1);
    if (close < 0) break;
    out += text.slice(from, open);
    from = close + 1;
  }
  return out + text.slice(from);
}

/** Drops invisible characters and controls (a control that is a line break becomes a space). */
export function stripInvisible(text: string): string {
  return text.replace(CONTROL_BREAKS, " ").replace(CONTROL_ALL, "").replace(INVISIBLE_ALL, "");
}

/**
 * The listed option a vote names: the exact spelling, else the same key, else
 * (for write-ins) the same write-in key. Keys are computed once per options list.
 */
export function findOption(
  options: readonly string[],
  value: string,
  loose = false,
): string | undefined {
  if (options.includes(value)) return value;
  const keys = keysOf(options);
  return keys.exact.get(labelKey(value)) ?? (loose ? keys.loose.get(writeInKey(value)) : undefined);
}

interface OptionKeys {
  /** Key → the listed option that holds it. */
  exact: Map<string, string>;
  /** Write-in key → the listed option. */
  loose: Map<string, string>;
  /** Listed option → its key. */
  listed: Map<string, string>;
}

const optionKeys = new WeakMap<readonly string[], OptionKeys>();

function keysOf(options: readonly string[]): OptionKeys {
  let keys = optionKeys.get(options);
  if (!keys) {
    keys = { exact: new Map(), loose: new Map(), listed: new Map() };
    for (const option of options) {
      const key = labelKey(option);
      keys.listed.set(option, key);
      // The first listed option wins where older ballots hold two with one key.
      if (!keys.exact.has(key)) keys.exact.set(key, option);
      if (!keys.loose.has(writeInKey(option))) keys.loose.set(writeInKey(option), option);
    }
    optionKeys.set(options, keys);
  }
  return keys;
}

function collapseSpaces(text: string): string {
  return text.replace(SPACES, " ").trim();
}
