/**
 * The live experience, case by case (run by `chromium_test.ts`): HTMX forms, SSE
 * updates, the scheduled start, local time, JavaScript off, escaping, keyboard.
 * Each case opens its own browser context and ends by asserting that its pages
 * logged no error, threw nothing, opened no dialog and broke no CSP rule.
 */
import type { Browser, Page } from "playwright-core";
import { assert, assertEquals, assertMatch } from "../_support/assert.ts";
import { Client } from "../_support/client.ts";
import type { TestServer } from "../_support/server.ts";
import {
  eventually,
  markDocument,
  pageReady,
  requestsTo,
  sameDocument,
  watch,
} from "./_browser.ts";

export async function createThroughTheForm(browser: Browser, server: TestServer): Promise<void> {
  const watched = await watch(browser);
  const page = await watched.newPage();
  await page.goto(`${server.url}/create`);
  await pageReady(page);
  await markDocument(page);

  await page.fill("#measure", "ab");
  await page.fill("#options_raw", "red, green, blue");
  await page.check("#allow_write_in");
  await page.selectOption("#duration_mins", "1440");
  await page.click("#create-form button[type=submit]");
  const error = page.locator("#measure-error");
  await error.waitFor();

  assertEquals(await error.textContent(), "The question needs at least 3 characters.");
  assertEquals(await error.getAttribute("class"), "field-error-msg");
  assertEquals(
    await page.getAttribute("#measure", "aria-describedby"),
    "measure-error measure-count",
  );
  assertEquals(await page.getAttribute("#measure", "aria-invalid"), "true");
  assertEquals(await page.getAttribute("#measure-error", "role"), "alert");
  assert(await sameDocument(page), "the error came without a page reload");
  assertEquals(await page.inputValue("#measure"), "ab");
  assertEquals(await page.inputValue("#options_raw"), "red, green, blue");
  assert(await page.isChecked("#allow_write_in"), "allow_write_in stays checked");
  assertEquals(await page.inputValue("#duration_mins"), "1440");

  await page.fill("#measure", "Colour of the bikeshed");
  await page.click("#create-form button[type=submit]");
  await page.waitForURL(/\/vote\/[A-Za-z0-9_-]{16}$/);
  await pageReady(page);
  assertEquals(await page.textContent("h1"), "Colour of the bikeshed");
  assertEquals(await page.locator("input[type=radio][name=option]").count(), 4);
  assertMatch((await page.textContent(".status-line")) ?? "", /ends in 23 hours/);
  watched.assertClean();
  await watched.context.close();
}

/** What page A records about itself, in the browser's clock. */
type Marked = typeof globalThis & {
  __barTransitions?: number;
  /** When A's DOM first showed sushi at 1 vote and its bar at 100 %. */
  __countAt?: number;
  __barAt?: number;
};

export async function liveResults(browser: Browser, server: TestServer): Promise<void> {
  const id = await new Client(server.url).createBallot({
    measure: "Lunch?",
    options_raw: "pizza, sushi",
  });
  const viewer = await watch(browser);
  const voter = await watch(browser);
  const a = await viewer.newPage();
  await a.goto(`${server.url}/results/${id}`);
  await pageReady(a);
  await eventually(() => server.oponn.deps.hub.viewersOf(id) === 1, { what: "A's stream" });
  await markDocument(a);
  await a.evaluate(() => {
    const marked = globalThis as Marked;
    document.addEventListener("transitionrun", (event) => {
      const target = event.target as Element;
      if (event.propertyName === "width" && target.matches(".fill")) {
        marked.__barTransitions = (marked.__barTransitions ?? 0) + 1;
      }
    });
    new MutationObserver(() => {
      const row = document.querySelector('[data-option="sushi"]');
      if (row?.getAttribute("data-count") === "1") marked.__countAt ??= Date.now();
      if (row?.querySelector(".fill.w-100")) marked.__barAt ??= Date.now();
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  const sushi = a.locator('[data-option="sushi"]');
  assertEquals(await sushi.getAttribute("data-count"), "0");
  assertMatch((await sushi.locator(".fill").getAttribute("class")) ?? "", /\bw-0\b/);

  const b = await voter.newPage();
  await b.goto(`${server.url}/vote/${id}`);
  await pageReady(b);
  await b.getByRole("radio", { name: "sushi" }).check();
  const voted = b.waitForResponse((r) => r.request().method() === "POST");
  await b.click("#cast-vote");

  // Polling from here is slow on a busy machine: the pages' own clocks give the real lag.
  const seen = await eventually(
    () => a.evaluate(() => (globalThis as Marked).__barAt && (globalThis as Marked).__countAt),
    { timeoutMs: 5_000, what: "A's sushi count and bar to change" },
  );
  // The vote is durable before its response starts: from there to A's screen is the live lag.
  const timing = (await voted).request().timing();
  const votedAt = timing.startTime + Math.max(0, timing.responseStart);
  const barAt = await a.evaluate(() => (globalThis as Marked).__barAt!);
  const lag = Math.max(seen, barAt) - votedAt;
  assert(lag < 2_000, `A showed the vote (count and bar) ${lag} ms after it was recorded`);
  console.log(`live results: A showed B's vote ${Math.round(lag)} ms after it was recorded`);
  assertEquals(await sushi.getAttribute("data-count"), "1");
  assertEquals(await a.textContent("[data-option=sushi] .result-share"), "100.0%");
  // The bar moved from 0 to 100 % through a CSS transition, not a jump.
  await eventually(() => a.evaluate(() => (globalThis as Marked).__barTransitions ?? 0), {
    what: "a width transition on the bar",
  });
  assert(await sameDocument(a), "A did not reload");
  assertEquals(requestsTo(viewer, a, "/live-results").length, 1, "A's SSE connections");

  await b.waitForURL(`**/results/${id}`);
  viewer.assertClean();
  voter.assertClean();
  await viewer.context.close();
  await voter.context.close();
}

const NEW_YORK = "America/New_York";

export async function scheduledStart(browser: Browser, server: TestServer): Promise<void> {
  const watched = await watch(browser, { timezoneId: NEW_YORK });
  const page = await watched.newPage();
  await page.goto(`${server.url}/create`);
  await pageReady(page);
  await page.fill("#measure", "Open at the bell");
  await page.fill("#options_raw", "ring, wait");
  // The field comes and goes with the choice, as often as the user changes their mind.
  const scheduled = page.locator('input[name=start_time_type][value="scheduled"]');
  await scheduled.check();
  await page.locator("#scheduled_start_time").waitFor();
  await page.check('input[name=start_time_type][value="now"]');
  await page.locator("#scheduled_start_time").waitFor({ state: "detached" });
  await scheduled.check();
  await page.locator("#scheduled_start_time").waitFor();
  // The island sets the form's time zone to the browser's: the typed time is New York's.
  await page.locator("[data-zone-said=browser]").waitFor();
  assertEquals(await page.inputValue("#time_zone"), NEW_YORK);

  // Whole seconds (the field's step), far enough ahead to see the pending page on a busy CI box.
  const startsAt = new Date(Math.ceil((Date.now() + 8_000) / 1_000) * 1_000);
  await page.fill("#scheduled_start_time", localTime(startsAt, NEW_YORK));
  await page.selectOption("#duration_mins", "10");
  await page.click("#create-form button[type=submit]");
  await page.waitForURL(/\/vote\/[A-Za-z0-9_-]{16}$/);
  await pageReady(page);

  const id = new URL(page.url()).pathname.split("/").pop()!;
  const stored = await server.oponn.deps.oponn.getBallot(id);
  assertEquals(stored?.startsAt.toISOString(), startsAt.toISOString(), "stored start (UTC)");

  assertMatch((await page.textContent(".status-line")) ?? "", /starts in \d+ seconds?/);
  assertEquals(await page.getAttribute(".status", "data-status"), "pending");
  assert(await page.isDisabled("#cast-vote"), "cast_vote is disabled before the start");
  await markDocument(page);

  await page.waitForFunction(
    () => !(document.querySelector("#cast-vote") as HTMLButtonElement | null)?.disabled,
    undefined,
    { timeout: startsAt.getTime() - Date.now() + 3_000 },
  );
  assert(Date.now() >= startsAt.getTime(), "cast_vote enabled at the start, not before");
  assertEquals(await page.getAttribute(".status", "data-status"), "active");
  assertMatch((await page.textContent(".status-line")) ?? "", /ends in 9 minutes/);
  assert(await sameDocument(page), "the ballot opened without a reload");
  assertEquals(requestsTo(watched, page, "/live-results").length, 1, "SSE connections");

  // The live swap replaced the button only: the form is whole and votes.
  await page.getByRole("radio", { name: "ring" }).check();
  await page.click("#cast-vote");
  await page.waitForURL(`**/results/${id}`);
  assertEquals(await page.getAttribute('[data-option="ring"]', "data-count"), "1");
  watched.assertClean();
  await watched.context.close();
}

/** `YYYY-MM-DDTHH:MM:SS` as a wall clock in `timeZone` shows it: what a person types there. */
function localTime(at: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    }).formatToParts(at).map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}

export async function withoutJavaScript(browser: Browser, server: TestServer): Promise<void> {
  const watched = await watch(browser, { javaScriptEnabled: false });
  const page = await watched.newPage();
  await page.goto(`${server.url}/create`);
  assertEquals(await page.evaluate(() => "htmx" in globalThis), false);

  await page.fill("#measure", "x");
  await page.fill("#options_raw", "tea, coffee");
  let posted = page.waitForResponse((r) => r.request().method() === "POST");
  await page.click("#create-form button[type=submit]");
  assertEquals((await posted).status(), 200);
  await page.waitForLoadState();
  assertEquals(
    await page.textContent("#measure-error"),
    "The question needs at least 3 characters.",
  );
  assertEquals(await page.inputValue("#options_raw"), "tea, coffee");

  await page.fill("#measure", "Tea or coffee?");
  posted = page.waitForResponse((r) => r.request().method() === "POST");
  await page.click("#create-form button[type=submit]");
  assertEquals((await posted).status(), 303);
  await page.waitForURL(/\/vote\/[A-Za-z0-9_-]{16}$/);
  const id = new URL(page.url()).pathname.split("/").pop()!;

  await page.getByRole("radio", { name: "coffee" }).check();
  posted = page.waitForResponse((r) => r.request().method() === "POST");
  await page.click("#cast-vote");
  assertEquals((await posted).status(), 303);
  await page.waitForURL(`**/results/${id}`);
  assertEquals(await page.getAttribute('[data-option="coffee"]', "data-count"), "1");
  assertEquals(await page.getAttribute('[data-option="tea"]', "data-count"), "0");
  assertEquals(await page.textContent(".results-total strong"), "1");
  watched.assertClean();
  await watched.context.close();
}

const HOSTILE = "<img src=x onerror=alert(1)>";

export async function writeInAndEscaping(browser: Browser, server: TestServer): Promise<void> {
  const watched = await watch(browser);
  const page = await watched.newPage();
  await page.goto(`${server.url}/create`);
  await pageReady(page);
  await page.fill("#measure", "Pick a tag");
  await page.fill("#options_raw", `${HOSTILE}, plain`);
  await page.check("#allow_write_in");
  await page.click("#create-form button[type=submit]");
  await page.waitForURL(/\/vote\/[A-Za-z0-9_-]{16}$/);
  await pageReady(page);
  const id = new URL(page.url()).pathname.split("/").pop()!;

  assertEquals(await page.textContent("label[for=option-0] span"), HOSTILE);
  assertEquals(await page.inputValue("#option-0"), HOSTILE);
  assertEquals(await page.locator("main img").count(), 0, "no <img> was made");

  await markDocument(page);
  await page.check("#option-write-in");
  await page.click("#cast-vote");
  const error = page.locator("#write_in_value-error");
  await error.waitFor();
  assertEquals(await error.textContent(), "Write-in value required: type your option.");
  assertEquals(
    await page.getAttribute("#write_in_value", "aria-describedby"),
    "write_in_value-error",
  );
  assert(await sameDocument(page), "the vote error came without a reload");
  assert(await page.isChecked("#option-write-in"), "the choice is kept");

  await page.fill("#write_in_value", "my_own_idea");
  await page.click("#cast-vote");
  await page.waitForURL(`**/results/${id}`);
  await pageReady(page);
  const row = page.locator('[data-option="my_own_idea"]');
  assertEquals(await row.getAttribute("data-count"), "1");
  assertEquals(await row.locator(".tag").textContent(), "write_in");
  assertEquals(await page.getAttribute(`[data-option="${HOSTILE}"]`, "data-count"), "0");
  assertEquals(await page.textContent(`[data-option="${HOSTILE}"] .result-label`), HOSTILE);
  assertEquals(await page.locator("main img").count(), 0, "no <img> was made");
  await page.waitForTimeout(200); // an onerror handler would have fired by now
  assertEquals(watched.trouble.dialogs, [], "dialogs");
  watched.assertClean();
  await watched.context.close();
}

export async function keyboardOnly(browser: Browser, server: TestServer): Promise<void> {
  const id = await new Client(server.url).createBallot({
    measure: "Tabs or spaces?",
    options_raw: "tabs, spaces",
  });
  const watched = await watch(browser);
  const page = await watched.newPage();
  await page.goto(`${server.url}/vote/${id}`);
  await pageReady(page);

  await page.keyboard.press("Tab");
  assertEquals(await focused(page), "a.skip-link", "the first stop is the skip link");
  assert(await focusRingVisible(page), "the skip link shows a focus ring");
  await tabUntil(page, "input#option-0");
  assert(await focusRingVisible(page), "the radio shows a focus ring");
  await page.keyboard.press("ArrowDown");
  assert(await page.isChecked("#option-1"), "arrow keys choose within the group");
  await tabUntil(page, "button#cast-vote");
  assert(await focusRingVisible(page), "cast_vote shows a focus ring");
  await page.keyboard.press("Enter");
  await page.waitForURL(`**/results/${id}`);
  assertEquals(await page.getAttribute('[data-option="spaces"]', "data-count"), "1");
  watched.assertClean();
  await watched.context.close();
}

async function focused(page: Page): Promise<string> {
  return await page.evaluate(() => {
    const element = document.activeElement;
    if (!element) return "";
    const id = element.id ? `#${element.id}` : "";
    const cls = element.classList.length ? `.${[...element.classList].join(".")}` : "";
    return `${element.tagName.toLowerCase()}${id || cls}`;
  });
}

async function tabUntil(page: Page, target: string): Promise<void> {
  const seen: string[] = [];
  for (let i = 0; i < 15; i++) {
    await page.keyboard.press("Tab");
    const now = await focused(page);
    if (now === target) return;
    seen.push(now);
  }
  throw new Error(`Tab never reached ${target}; went through ${seen.join(", ")}`);
}

async function focusRingVisible(page: Page): Promise<boolean> {
  return await page.evaluate(() => {
    const element = document.activeElement;
    if (!element || !element.matches(":focus-visible")) return false;
    const style = getComputedStyle(element);
    return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  });
}
