/**
 * Islands: the browser bundle builds from islands/ (and is rebuilt only when
 * what it read changes), an island's server render carries its props as JSON
 * in a data attribute with no inline script, the status's no-JS text and
 * instant, and the countdown's wake-ups.
 */
import fc from "fast-check";
import { renderToString } from "preact-render-to-string";
import { buildIslands, islandNames } from "../../lib/assets/islands.ts";
import { statusOf, statusText } from "../../lib/ballots/rules.ts";
import { Island } from "../../components/Island.tsx";
import { Status } from "../../components/Status.tsx";
import { localText, utcText } from "../../components/Time.tsx";
import { msUntilTextChanges } from "../../islands/_countdown.ts";
import { observeServerTime, resetServerClock, serverNow } from "../../islands/_clock.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotEquals,
  assertNotIncludes,
  assertStringIncludes,
} from "../_support/assert.ts";

const ISLANDS = new URL("../../islands/", import.meta.url);
const NOW = new Date("2026-11-29T12:00:00.000Z");

/** The `data-props` of the first island in `html`, decoded as a browser would. */
function propsOf(html: string): unknown {
  const raw = /<oponn-island data-island="[A-Za-z]+" data-props="([^"]*)">/.exec(html)?.[1];
  assert(raw !== undefined, `no island in ${html}`);
  const text = raw.replaceAll("&quot;", '"').replaceAll("&lt;", "<").replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
  return JSON.parse(text);
}

Deno.test("the islands bundle builds: Preact, the hydrator and every island, in one small script", async () => {
  const bundle = await buildIslands(ISLANDS, { cacheFile: null });
  const code = new TextDecoder().decode(bundle.code);
  assertEquals(bundle.cached, false);
  assert(bundle.islands.includes("LiveStatus"), `islands: ${bundle.islands}`);
  assertStringIncludes(code, `customElements.define("oponn-island"`);
  assertStringIncludes(code, "LiveStatus:", "registered under its file name");
  assertStringIncludes(code, "data-tz-offset", "islands/app.js's behaviours are in it");
  assertNotIncludes(code, "eval(");
  assertNotIncludes(code, "new Function");
  // The browser gets this on every page: a budget, so growth is a decision.
  assert(bundle.code.length < 32_000, `${bundle.code.length} bytes`);
});

Deno.test("each island's default export is a function named after its file", async () => {
  const names = await islandNames(ISLANDS);
  assert(names.length > 0);
  for (const name of names) {
    const module = await import(new URL(`${name}.tsx`, ISLANDS).href);
    assertEquals(module.default?.name, name, `islands/${name}.tsx`);
  }
});

Deno.test("the kept build is reused while its inputs stay, rebuilt when one changes", async () => {
  // Inside the project, so `preact` resolves from its node_modules.
  const cache = new URL("../../node_modules/.cache/", import.meta.url);
  await Deno.mkdir(cache, { recursive: true });
  const dir = new URL(`file://${await Deno.makeTempDir({ dir: cache.pathname })}/`);
  try {
    for (const helper of ["_runtime.ts", "_arrival.ts"]) {
      await Deno.copyFile(new URL(helper, ISLANDS), new URL(helper, dir));
    }
    await Deno.writeTextFile(new URL("app.js", dir), "");
    const island = new URL("Hello.tsx", dir);
    await Deno.writeTextFile(
      island,
      `export default function Hello({ name }: { name: string }) { return <b>{name}</b>; }`,
    );
    const cacheFile = new URL("kept.json", dir);
    const first = await buildIslands(dir, { cacheFile });
    const second = await buildIslands(dir, { cacheFile });
    assertEquals([first.cached, second.cached], [false, true]);
    assertEquals(second.code, first.code);
    assertEquals(second.islands, ["Hello"]);

    await Deno.writeTextFile(
      island,
      `export default function Hello({ name }: { name: string }) { return <i>{name}</i>; }`,
    );
    const third = await buildIslands(dir, { cacheFile });
    assertEquals(third.cached, false, "an edited island is rebuilt");
    assertNotEquals(third.code, first.code);

    await Deno.writeTextFile(
      new URL("Goodbye.tsx", dir),
      `export default function Goodbye() { return null; }`,
    );
    const fourth = await buildIslands(dir, { cacheFile });
    assertEquals([fourth.cached, fourth.islands], [false, ["Goodbye", "Hello"]], "a new island");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an island's server render carries its props as JSON in an attribute, never as script", () => {
  function Echo({ text }: { text: string }) {
    return <span class="echo">{text}</span>;
  }
  const hostile = `</oponn-island><script>alert(1)</script>" onmouseover="alert(2)' &amp;`;
  const html = renderToString(<Island component={Echo} props={{ text: hostile }} />);
  assertNotIncludes(html, "<script");
  assertNotIncludes(html, '" onmouseover');
  assertMatch(html, /^<oponn-island data-island="Echo" data-props="[^"]*"><span class="echo">/);
  assertEquals(propsOf(html), { text: hostile });
  assert(html.endsWith("</span></oponn-island>"), html);
});

Deno.test("an island must be a named function: its name is how the browser finds it", () => {
  let message = "";
  try {
    renderToString(<Island component={(() => null) as () => null} props={{}} />);
  } catch (error) {
    message = (error as Error).message;
  }
  assertStringIncludes(message, "must be a named function");
});

Deno.test("the status renders its words and its instant in UTC, with its props for the island", () => {
  const cases: [string, string | null, string, string, string][] = [
    ["2026-11-29T12:05:00.000Z", null, "pending", "starts in 5 minutes", "starts"],
    ["2026-11-29T10:00:00.000Z", "2026-11-29T14:00:00.000Z", "active", "ends in 2 hours", "ends"],
    ["2026-11-29T10:00:00.000Z", null, "active", "voting open", "since"],
    ["2026-11-29T10:00:00.000Z", "2026-11-29T11:59:30.000Z", "ended", "voting closed", "ended"],
  ];
  for (const [startsAt, endsAt, status, text, word] of cases) {
    const ballot = { startsAt: new Date(startsAt), endsAt: endsAt ? new Date(endsAt) : null };
    const html = renderToString(<Status ballot={ballot} now={NOW} />);
    const instant = word === "starts" || word === "since" ? startsAt : endsAt!;
    assertStringIncludes(html, `data-status="${status}"`);
    assertStringIncludes(html, `>${text}</span>`);
    assertStringIncludes(
      html,
      `${word} <time datetime="${instant}">${utcText(new Date(instant))}</time>`,
    );
    assertEquals(propsOf(html), { startsAt, endsAt, now: NOW.toISOString() });
    assertNotIncludes(html, "<script");
  }
});

Deno.test("instants read in UTC with the zone named, or in a reader's zone and language", () => {
  assertEquals(utcText(new Date("2026-11-29T14:00:00.000Z")), "2026-11-29 14:00 UTC");
  assertEquals(utcText(new Date("2026-11-29T14:00:07.250Z")), "2026-11-29 14:00:07 UTC");
  const at = new Date("2026-11-29T14:00:00.000Z");
  const newYork = localText(at, "en-US", "America/New_York").replace(/\s+/g, " ");
  assertMatch(newYork, /Nov 29, 2026.* 9:00 AM EST/);
  const tokyo = localText(at, "ja-JP", "Asia/Tokyo");
  assertMatch(tokyo, /2026.*11.*29.* 23:00 JST/);
});

Deno.test("the countdown wakes the moment its text would read differently, and not before", () => {
  const state = (ballot: { startsAt: Date; endsAt: Date | null }, at: number) =>
    `${statusOf(ballot, new Date(at))} ${statusText(ballot, new Date(at))}`;
  fc.assert(
    fc.property(
      fc.integer({ min: -3 * 86_400_000, max: 3 * 86_400_000 }),
      fc.option(fc.integer({ min: 1, max: 3 * 86_400_000 }), { nil: null }),
      (startOffset, length) => {
        const now = NOW.getTime();
        const startsAt = new Date(now + startOffset);
        const ballot = {
          startsAt,
          endsAt: length === null ? null : new Date(now + startOffset + length),
        };
        const wait = msUntilTextChanges(ballot, NOW);
        if (wait === null) {
          assertEquals(state(ballot, now + 10 * 86_400_000), state(ballot, now));
          return;
        }
        assert(wait >= 1 && wait <= 86_400_001, `wait ${wait}`);
        assertEquals(state(ballot, now + wait - 1), state(ballot, now), "too early");
        assertNotEquals(state(ballot, now + wait), state(ballot, now), "too late");
      },
    ),
    { numRuns: 2_000 },
  );
  // Seconds in the last minute, a minute's wait before.
  const ending = (ms: number) => ({ startsAt: new Date(0), endsAt: new Date(NOW.getTime() + ms) });
  assertEquals(msUntilTextChanges(ending(42_500), NOW), 501);
  assertEquals(msUntilTextChanges(ending(5 * 60_000 + 30_000), NOW), 30_001);
});

Deno.test("the server clock estimate takes the largest offset seen: stale renders cannot pull it back", () => {
  resetServerClock();
  const skew = 90_000;
  observeServerTime(new Date(Date.now() + skew - 50)); // a fresh page, 50 ms in flight
  observeServerTime(new Date(Date.now() + skew - 600_000)); // a status rendered ten minutes ago
  const estimate = serverNow().getTime() - Date.now();
  assert(estimate <= skew && estimate >= skew - 100, `estimate ${estimate}`);
  resetServerClock();
});
