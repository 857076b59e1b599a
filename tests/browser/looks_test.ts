/**
 * Looks (issue 12, item 7) in real Chromium: every page in the dark and the
 * light theme at 1280×800 and 390×844, axe-clean in both (no violation of any
 * impact), saved as `tests/browser/screenshots/looks-{page}-{theme}-{size}.png`;
 * the theme toggle (click flips it, a reload keeps it because the server reads
 * the cookie, `prefers-color-scheme` decides when nothing was chosen, and
 * without JavaScript too); Arabic and Hebrew text aligned by its own direction
 * inside a left-to-right page. One server, one browser.
 * `OPONN_UPDATE_SCREENSHOTS=1` also rewrites the README's `docs/results-light.png`
 * (the dark one, `docs/results.png`, comes from `chromium_test.ts`).
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { assert, assertEquals } from "../_support/assert.ts";
import { Client } from "../_support/client.ts";
import { startTestServer, type TestServer } from "../_support/server.ts";
import { axeSource, runAxe } from "./_axe.ts";
import { browserTest, DESKTOP, launchBrowser, pageReady, PHONE, watch } from "./_browser.ts";
import { seedActiveBallot } from "./_look.ts";

const SHOTS = new URL("./screenshots/", import.meta.url);
const UPDATE_README = Deno.env.get("OPONN_UPDATE_SCREENSHOTS") === "1";
const MISSING = "/vote/AAAAAAAAAAAAAAAA";

type Theme = "dark" | "light";
/** `<html>`'s background in each theme: the palette's ground. */
const GROUND: Record<Theme, string> = {
  dark: "rgb(19, 19, 20)", // #131314, Deep Charcoal
  light: "rgb(246, 246, 248)", // #f6f6f8
};

type Open = (page: Page) => Promise<unknown>;

/** A browser context whose system prefers `theme` (no stored choice), one page per size. */
class Tour {
  private constructor(
    readonly theme: Theme,
    readonly server: TestServer,
    readonly context: BrowserContext,
    readonly pages: Page[],
    readonly failures: string[],
  ) {}

  static async open(browser: Browser, server: TestServer, theme: Theme): Promise<Tour> {
    const watched = await watch(browser, { colorScheme: theme });
    await watched.context.addInitScript({ content: axeSource() });
    const pages = [];
    for (const size of [DESKTOP, PHONE]) {
      const page = await watched.newPage();
      await page.setViewportSize(size);
      pages.push(page);
    }
    return new Tour(theme, server, watched.context, pages, watched.trouble.pageErrors);
  }

  /** Opens the page at both sizes: the theme shows, axe finds nothing, the PNGs are saved. */
  async check(name: string, open: Open): Promise<void> {
    await Promise.all(this.pages.map(async (page) => {
      const { width, height } = page.viewportSize()!;
      const label = `looks-${name}-${this.theme}-${width}x${height}`;
      await open(page);
      await pageReady(page).catch(() => {}); // the embed page has no islands bundle but htmx
      await page.waitForTimeout(120); // the live stream's first event
      // The live indicator settles (it says "connecting" for the first moments).
      await page.waitForFunction(() => !document.querySelector(".live-connecting"), null, {
        timeout: 2_000,
      }).catch(() => {});
      assertEquals(await ground(page), GROUND[this.theme], `${label}: the ${this.theme} ground`);
      const report = await runAxe(page, label);
      await page.screenshot({
        path: new URL(`${label}.png`, SHOTS).pathname,
        fullPage: true,
        animations: "disabled",
        // Rendering a full page to PNG can take seconds while the other tests load the cores.
        timeout: 30_000,
      });
      const problems = report.violations.flatMap((violation) =>
        violation.nodes.map((node) =>
          `${label}: [${violation.impact}] ${violation.id} (${violation.help}) at ${
            node.target.join(" ")
          }`
        )
      );
      assert(problems.length === 0, `axe found:\n  ${problems.join("\n  ")}`);
      const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      assert(scrollWidth <= width, `${label} is ${scrollWidth}px wide`);
    }));
  }

  goto(path: string): Open {
    return (page) => page.goto(this.server.url + path);
  }
}

async function ground(page: Page): Promise<string> {
  return await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
}

const RTL_MEASURE = "أين نلتقي هذا الربيع؟";
const RTL_OPTIONS = ["لشبونة", "ירושלים", "كيوتو ٢٠٢٦", "stay_home"];

Deno.test({
  name: "Looks: light and dark themes, toggle, right-to-left text, axe and screenshots",
  ...browserTest,
  async fn(t) {
    const started = performance.now();
    await Deno.mkdir(SHOTS, { recursive: true });
    const server = await startTestServer();
    const browser = await launchBrowser();
    try {
      const tours = [
        await Tour.open(browser, server, "dark"),
        await Tour.open(browser, server, "light"),
      ];
      const everyTheme = (name: string, open: (tour: Tour) => Open) =>
        step(t, `${name}: dark and light, axe and screenshots`, async () => {
          for (const tour of tours) await tour.check(name, open(tour));
        });

      await everyTheme("home-empty", (tour) => tour.goto("/"));

      const active = await seedActiveBallot(server);
      const rtl = await seedRtlBallot(server);
      const coded = await seedCodeBallot(server);

      await everyTheme("home", (tour) => tour.goto("/"));
      await everyTheme("create", (tour) => tour.goto("/create"));
      await everyTheme("create-errors", (tour) => async (page) => {
        await page.goto(`${tour.server.url}/create`);
        await pageReady(page);
        await page.click("#create-form button[type=submit]:not([name])");
        await page.waitForSelector('#create-form [aria-invalid="true"]');
      });
      await everyTheme("vote", (tour) => tour.goto(`/vote/${active}`));
      await everyTheme("results", (tour) => tour.goto(`/results/${active}`));
      await everyTheme("vote-rtl", (tour) => tour.goto(`/vote/${rtl}`));
      await everyTheme("results-rtl", (tour) => tour.goto(`/results/${rtl}`));
      await everyTheme("manage", (tour) => tour.goto(coded.manage));
      await everyTheme("codes", (tour) => async (page) => {
        await page.goto(tour.server.url + coded.manage);
        await page.fill("#voter_codes", "3");
        await page.getByRole("button", { name: "issue_codes" }).click();
        await page.waitForSelector("[data-voter-code]");
      });
      await everyTheme("not-found", (tour) => tour.goto(MISSING));
      await everyTheme("embed", (tour) => tour.goto(`/embed/${active}`));

      await step(t, "no page of the tour threw", () => {
        const errors = tours.flatMap((tour) => tour.failures);
        assertEquals(errors, []);
      });

      await step(t, "user text keeps its own direction; the page stays left to right", async () => {
        const page = tours[0].pages[0];
        await page.goto(`${server.url}/vote/${rtl}`);
        assertEquals(await direction(page, "html"), "ltr");
        assertEquals(await direction(page, "h1.measure"), "rtl");
        await assertRightAligned(page, "h1.measure");
        for (const option of RTL_OPTIONS.slice(0, 3)) {
          const span = `label.option:has(input[value="${option}"]) > span`;
          assertEquals(await direction(page, span), "rtl", option);
          await assertRightAligned(page, span);
        }
        const latin = 'label.option:has(input[value="stay_home"]) > span';
        assertEquals(await direction(page, latin), "ltr");
        // Results rows read as before: label first, figures at the row's end, bar under both.
        await page.goto(`${server.url}/results/${rtl}`);
        await pageReady(page);
        const row = page.locator(`[data-option="${RTL_OPTIONS[0]}"]`);
        // Measured in one go: a live update may replace the rows between two calls.
        const order = await row.evaluate((element) => {
          const label = element.querySelector(".result-label")!.getBoundingClientRect();
          const figures = element.querySelector(".result-figures")!.getBoundingClientRect();
          return { labelEnd: label.right, figuresStart: figures.left };
        });
        assert(
          order.figuresStart >= order.labelEnd,
          `figures after the label: ${JSON.stringify(order)}`,
        );
        assertEquals(await row.locator(".result-count").textContent(), "3");
        assertEquals(await direction(page, "h1.measure"), "rtl");
        await page.goto(`${server.url}/`);
        const link = `a.ballot-measure[href="/vote/${rtl}"]`;
        assertEquals(await direction(page, link), "rtl");
        await assertRightAligned(page, link);
      });

      await step(
        t,
        "the toggle flips the theme, a reload keeps it, the server renders it",
        () => toggleRemembered(browser, server),
      );

      await step(
        t,
        "with no choice the system decides; without JavaScript the cookie does",
        () => systemAndNoScript(browser, server),
      );

      await step(t, "the README's light results screenshot", async () => {
        const page = tours[1].pages[0];
        await page.setViewportSize({ width: 960, height: 800 });
        await page.goto(`${server.url}/results/${active}`);
        await pageReady(page);
        const share = (await page.locator(".share").boundingBox())!;
        const path = UPDATE_README
          ? new URL("../../docs/results-light.png", import.meta.url)
          : new URL("readme-results-light.png", SHOTS);
        await page.screenshot({
          path: path.pathname,
          animations: "disabled",
          // Rendering a full page to PNG can take seconds while the other tests load the cores.
          timeout: 30_000,
          clip: { x: 0, y: 0, width: 960, height: Math.ceil(share.y + share.height + 24) },
        });
        const { size } = await Deno.stat(path);
        assert(size <= 120 * 1024, `${path.pathname} is ${size} bytes`);
      });
    } finally {
      console.log(`looks: ${((performance.now() - started) / 1000).toFixed(1)} s`);
      await browser.close();
      await server.close();
    }
  },
});

/** Click → light at once and stored; reload → the server's HTML already says light. */
async function toggleRemembered(browser: Browser, server: TestServer): Promise<void> {
  const watched = await watch(browser, { colorScheme: "dark" });
  const page = await watched.newPage();
  await page.goto(`${server.url}/create`);
  await pageReady(page);
  const toggle = page.locator("[data-theme-toggle]");
  await toggle.waitFor({ state: "visible" });
  assertEquals(await page.getAttribute("html", "data-theme"), null, "no choice yet");
  assertEquals(await ground(page), GROUND.dark);
  assertEquals(await toggle.getAttribute("data-theme-shown"), "dark");

  await toggle.click();
  assertEquals(await page.getAttribute("html", "data-theme"), "light");
  assertEquals(await ground(page), GROUND.light);
  assertEquals(await toggle.getAttribute("data-theme-shown"), "light");
  assertEquals(await page.evaluate(() => localStorage.getItem("oponn_theme")), "light");
  const cookie = (await watched.context.cookies()).find((c) => c.name === "oponn_theme");
  assertEquals(cookie?.value, "light");

  // The reload's HTML, before any script, carries the theme: no flash of dark.
  const reloaded = await page.reload();
  const html = await reloaded!.text();
  assert(/<html lang="en" data-theme="light">/.test(html), "the server renders data-theme");
  assert(html.includes('<meta name="color-scheme" content="light"/>'), "color-scheme meta");
  await pageReady(page);
  assertEquals(await ground(page), GROUND.light);
  assertEquals(await toggle.getAttribute("data-theme-shown"), "light");

  // Another page of the site, then back to dark, remembered the same way.
  await page.goto(`${server.url}/`);
  assertEquals(await ground(page), GROUND.light);
  await pageReady(page);
  await toggle.click();
  assertEquals(await ground(page), GROUND.dark);
  const dark = await (await page.reload())!.text();
  assert(/<html lang="en" data-theme="dark">/.test(dark), "dark chosen is rendered too");

  // The stored choice outlives a lost cookie: the island writes it back.
  await toggle.click();
  await watched.context.clearCookies({ name: "oponn_theme" });
  await page.reload();
  await pageReady(page);
  await page.waitForFunction(() => document.documentElement.dataset.theme === "light");
  const back = (await watched.context.cookies()).find((c) => c.name === "oponn_theme");
  assertEquals(back?.value, "light");
  watched.assertClean();
  await watched.context.close();
}

async function systemAndNoScript(browser: Browser, server: TestServer): Promise<void> {
  // A light system, nothing stored: light, and the toggle offers dark.
  const light = await watch(browser, { colorScheme: "light" });
  const page = await light.newPage();
  await page.goto(`${server.url}/`);
  await pageReady(page);
  assertEquals(await page.getAttribute("html", "data-theme"), null);
  assertEquals(await ground(page), GROUND.light);
  const toggle = page.locator("[data-theme-toggle]");
  await toggle.waitFor({ state: "visible" });
  assertEquals(await toggle.getAttribute("data-theme-shown"), "light");
  await toggle.click();
  assertEquals(await ground(page), GROUND.dark, "a dark choice beats a light system");
  light.assertClean();
  await light.context.close();

  // Without JavaScript: the system decides, the toggle (which could not work) is not shown...
  const noJs = await watch(browser, { colorScheme: "light", javaScriptEnabled: false });
  const plain = await noJs.newPage();
  await plain.goto(`${server.url}/`);
  assertEquals(await ground(plain), GROUND.light);
  assertEquals(await plain.locator("[data-theme-toggle]").isVisible(), false);
  // ...and a choice made earlier (its cookie) is rendered by the server alone.
  await noJs.context.addCookies([{ name: "oponn_theme", value: "dark", url: server.url }]);
  await plain.reload();
  assertEquals(await ground(plain), GROUND.dark);
  noJs.assertClean();
  await noJs.context.close();
}

async function direction(page: Page, selector: string): Promise<string> {
  return await page.locator(selector).first().evaluate((element) =>
    getComputedStyle(element).direction
  );
}

/**
 * The element's text sits against its box's right edge (the box is wider than the text); a
 * heading's prompt (`> `, drawn before the text, so at its right) may come between.
 */
async function assertRightAligned(page: Page, selector: string): Promise<void> {
  const gaps = await page.locator(selector).first().evaluate((element) => {
    const box = element.getBoundingClientRect();
    const range = document.createRange();
    range.selectNodeContents(element);
    const text = range.getBoundingClientRect();
    return { left: text.left - box.left, right: box.right - text.right };
  });
  assert(
    gaps.right < 40 && gaps.left > gaps.right,
    `${selector} is right-aligned: ${JSON.stringify(gaps)}`,
  );
}

/** An Arabic question with Arabic and Hebrew options (and one Latin), votes on each. */
async function seedRtlBallot(server: TestServer): Promise<string> {
  const client = new Client(server.url);
  const id = await client.createBallot({
    measure: RTL_MEASURE,
    options_raw: RTL_OPTIONS.join(", "),
    duration_mins: "1440",
  });
  const votes = [0, 0, 1, 2, 0, 3, 1];
  for (const index of votes) {
    const response = await client.post(`/vote/${id}`, { option: RTL_OPTIONS[index] });
    await response.body?.cancel();
    assertEquals(response.status, 303);
  }
  return id;
}

/** A ballot voted on with one-time codes; returns its manage link (path with the key). */
async function seedCodeBallot(server: TestServer): Promise<{ id: string; manage: string }> {
  const client = new Client(server.url);
  const created = await client.post("/create", {
    measure: "Elect the chair of the residents' committee",
    options_raw: "amara, jonas, li_wei",
    duration_mins: "1440",
    duplicate_check: "code",
    voter_codes: "4",
  });
  const html = await created.text();
  assertEquals(created.status, 200, "the codes page");
  const id = /voter-codes-([A-Za-z0-9_-]+)\.csv/.exec(html)?.[1];
  assert(id, "the ballot id on the codes page");
  const code = /data-voter-code="([^"]+)"/.exec(html)?.[1];
  const vote = await client.post(`/vote/${id}`, { option: "jonas", voter_code: code ?? "" });
  await vote.body?.cancel();
  const page = await client.open(`/vote/${id}`);
  const href = /data-manage-link(?:="true")? href="([^"]+)"/.exec(page)?.[1];
  assert(href, "the owner's manage link");
  return { id, manage: new URL(href).pathname };
}

function step(t: Deno.TestContext, name: string, fn: () => Promise<void> | void) {
  return t.step({ name, fn, sanitizeOps: false, sanitizeResources: false, sanitizeExit: false });
}
