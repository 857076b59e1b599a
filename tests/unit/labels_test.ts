import {
  cleanWriteIn,
  findOption,
  forbiddenIn,
  labelKey,
  normalizeLabel,
  stripTags,
  writeInKey,
} from "../../lib/ballots/labels.ts";
import { assert, assertEquals } from "../_support/assert.ts";

Deno.test("forbiddenIn() refuses controls and every invisible or direction-control character", () => {
  assertEquals(forbiddenIn("Yes"), null);
  assertEquals(forbiddenIn("a\u0000b"), "control");
  assertEquals(forbiddenIn("a\u0085b"), "control");
  const invisible = [
    "\u200B", // zero-width space
    "\u200C", // zero-width non-joiner
    "\u200E", // left-to-right mark
    "\u200F", // right-to-left mark
    "\u202A", // left-to-right embedding
    "\u202E", // right-to-left override
    "\u2066", // left-to-right isolate
    "\u2069", // pop directional isolate
    "\u2060", // word joiner
    "\uFEFF", // byte-order mark
    "\u00AD", // soft hyphen
    "\u061C", // Arabic letter mark
    "\u{E0041}", // tag letter A
    "\u3164", // Hangul filler
    "\uD800", // a lone surrogate
  ];
  for (const char of invisible) {
    const code = char.codePointAt(0)!.toString(16);
    assertEquals(forbiddenIn(`Yes${char}`), "invisible", `U+${code} at the end`);
    assertEquals(forbiddenIn(`Y${char}es`), "invisible", `U+${code} inside`);
  }
});

Deno.test("forbiddenIn() lets a zero-width joiner inside an emoji sequence through", () => {
  assertEquals(forbiddenIn("👨\u200D👩\u200D👧"), null);
  assertEquals(forbiddenIn("🏳\uFE0F\u200D🌈"), null);
  assertEquals(forbiddenIn("👩🏽\u200D💻"), null);
  assertEquals(forbiddenIn("a\u200Db"), "invisible");
  assertEquals(forbiddenIn("👍\u200D"), "invisible");
});

Deno.test("normalizeLabel() applies NFKC, collapses spaces and trims", () => {
  assertEquals(normalizeLabel("  Ｙｅｓ  "), "Yes");
  assertEquals(normalizeLabel("ﬁsh\u00A0and\u3000chips"), "fish and chips");
  assertEquals(normalizeLabel("a   b"), "a b");
  assertEquals(normalizeLabel("e\u0301"), "é");
});

Deno.test("labelKey() is the same for case, width, invisible characters and spacing", () => {
  const yes = labelKey("Yes");
  for (const spelling of ["yes", "YES", "Ｙｅｓ", "Yes\u200B", "Y\u00ADes", " yes ", "Ye\uFE0Fs"]) {
    assertEquals(labelKey(spelling), yes, JSON.stringify(spelling));
  }
  assertEquals(labelKey("Straße"), labelKey("STRASSE"), "full case folding: ß is ss");
  assertEquals(labelKey("taco  bell"), labelKey("Taco Bell"));
  assertEquals(labelKey("❤"), labelKey("❤\uFE0F"));
  assert(labelKey("Yes") !== labelKey("Yes!"), "punctuation counts between options");
  assert(labelKey("C") !== labelKey("C#"));
});

Deno.test("writeInKey() also ignores surrounding punctuation, not inner or meaningful marks", () => {
  const tacos = writeInKey("tacos");
  for (const spelling of ["  TACOS! ", "Tacos.", "«tacos»", "(tacos)", "tacos?!", "- tacos"]) {
    assertEquals(writeInKey(spelling), tacos, JSON.stringify(spelling));
  }
  assertEquals(writeInKey(cleanWriteIn("Ta\u200Bcos")), tacos);
  assertEquals(writeInKey("C#"), "c#");
  assertEquals(writeInKey("C++"), "c++");
  assertEquals(writeInKey("don't"), "don't");
  assertEquals(writeInKey("!!!"), "!!!", "punctuation alone stays, not the empty key");
  assert(writeInKey("!!!") !== writeInKey("???"));
});

Deno.test("cleanWriteIn() strips tags, controls and invisible characters, then normalises", () => {
  assertEquals(cleanWriteIn("<script>alert(1)</script>tacos"), "alert(1)tacos");
  assertEquals(cleanWriteIn("<img src=x onerror=alert(1)>"), "");
  assertEquals(cleanWriteIn("ta\u0000cos\n"), "tacos");
  assertEquals(cleanWriteIn("taco\nbell"), "taco bell", "a line break is a space");
  assertEquals(cleanWriteIn("a < b"), "a < b");
  assertEquals(cleanWriteIn("  TACOS!  "), "TACOS!", "the spelling shown keeps its punctuation");
  assertEquals(cleanWriteIn("Ta\u200Bcos\u202E"), "Tacos");
  assertEquals(cleanWriteIn("Ｔａｃｏｓ"), "Tacos");
  assertEquals(cleanWriteIn("＜b＞bold＜/b＞"), "bold", "full-width tags are tags after NFKC");
  assertEquals(cleanWriteIn("👨\u200D👩\u200D👧"), "👨\u200D👩\u200D👧");
});

Deno.test("stripTags() removes exactly what /<[^>]*>/g removes", () => {
  const cases = ["", "<", ">", "<>", "a<b", "a<b>c", "<<<>", "<a<b>c>d", "x<y>z<", "<<>><<>"];
  for (const text of cases) assertEquals(stripTags(text), text.replace(/<[^>]*>/g, ""), text);
});

Deno.test("cleanWriteIn() of the hostile shapes: 60,000 `<`, `<<<<>` runs, 64 KiB of mixed bytes", () => {
  // The old regex took about 1.8 s on the first; the scan is one pass whatever the shape.
  // (Compared as booleans: a failure should not print 64 KiB.)
  const same = (actual: string, expected: string, what: string) =>
    assert(
      actual === expected,
      `${what}: ${actual.length} units, starting ${JSON.stringify(actual.slice(0, 40))}`,
    );
  same(cleanWriteIn("<".repeat(60_000)), "<".repeat(60_000), "60,000 `<`");
  same(cleanWriteIn("<<<<>".repeat(12_000)), "", "`<<<<>` runs");
  const unit = "<\u202E>a\u200Bb\u0000 "; // 8 units; cleans to "ab "
  const hostile = unit.repeat(65_536 / unit.length);
  assertEquals(hostile.length, 65_536);
  same(cleanWriteIn(hostile), "ab ".repeat(65_536 / unit.length).trim(), "64 KiB mixed");
  const unclosed = `${"x<".repeat(16_000)}y`;
  same(cleanWriteIn(unclosed), unclosed, "a `<` with no `>` after it stays");
});

Deno.test("findOption() finds a listed option by spelling, by key, and loosely for write-ins", () => {
  const options = ["Yes", "No", "Maybe!"];
  assertEquals(findOption(options, "Yes"), "Yes");
  assertEquals(findOption(options, "ＹＥＳ"), "Yes");
  assertEquals(findOption(options, "maybe"), undefined, "options match by key only");
  assertEquals(findOption(options, "maybe", true), "Maybe!", "write-ins also loosely");
  assertEquals(findOption(options, "tacos", true), undefined);
  assertEquals(findOption(["Yes", "yes"], "yes"), "yes", "an exact spelling wins (older ballots)");
  assertEquals(findOption(["Yes", "yes"], "YES"), "Yes", "else the first listed");
});
