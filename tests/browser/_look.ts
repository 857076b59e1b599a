/**
 * Every page as people meet it (run by `chromium_test.ts`): axe-core finds no
 * serious or critical violation, nothing scrolls sideways from 360 to 1440 px,
 * and each page is saved as a PNG at 1280×800 and 390×844 in
 * `tests/browser/screenshots/` (git-ignored): the evidence to look at after a
 * change of style. `OPONN_UPDATE_SCREENSHOTS=1` also refreshes `docs/results.png`.
 */
import type { Browser, Page } from "playwright-core";
import { assert, assertEquals } from "../_support/assert.ts";
import { Client } from "../_support/client.ts";
import type { TestServer } from "../_support/server.ts";
import { type AxeReport, axeSource, blocking, runAxe, summary } from "./_axe.ts";
import { DESKTOP, pageReady, PHONE, watch, type WatchedContext } from "./_browser.ts";

const SHOTS = new URL("./screenshots/", import.meta.url);
/**
 * The README's picture is tracked: a test run leaves it alone (its shot goes
 * with the others) unless OPONN_UPDATE_SCREENSHOTS=1 asks to replace it.
 */
const README_SHOT = Deno.env.get("OPONN_UPDATE_SCREENSHOTS") === "1"
  ? new URL("../../docs/results.png", import.meta.url)
  : new URL("readme-results.png", SHOTS);
const README_SHOT_MAX_BYTES = 120 * 1024;
/** The one page that is meant to answer 404. */
const MISSING = "/vote/AAAAAAAAAAAAAAAA";

type Size = { width: number; height: number };
/** Besides its screenshot size, each page must also fit the narrowest and widest layouts. */
const ALSO_FITS = new Map<Size, Size>([
  [DESKTOP, { width: 1440, height: 900 }],
  [PHONE, { width: 360, height: 740 }],
]);

export type Open = (page: Page) => Promise<void>;

/** One context with a page per screenshot size; axe rides along in every document. */
export class Look {
  readonly reports: AxeReport[] = [];

  private constructor(
    readonly server: TestServer,
    readonly watched: WatchedContext,
    readonly pages: Map<Size, Page>,
  ) {}

  static async open(browser: Browser, server: TestServer): Promise<Look> {
    await Deno.mkdir(SHOTS, { recursive: true });
    // The original dark look (Playwright's default system is light): looks_test.ts tours both.
    const watched = await watch(browser, { colorScheme: "dark" });
    // An init script runs outside the page's CSP (script-src 'self').
    await watched.context.addInitScript({ content: axeSource() });
    const pages = new Map<Size, Page>();
    for (const size of [DESKTOP, PHONE]) {
      const page = await watched.newPage();
      await page.setViewportSize(size);
      pages.set(size, page);
    }
    return new Look(server, watched, pages);
  }

  goto(path: string): Open {
    return async (page) => {
      await page.goto(this.server.url + path);
    };
  }

  /** Opens the page at both sizes at once; runs axe on each, saves the PNGs, checks the fit. */
  async check(name: string, open: Open = this.goto("/")): Promise<void> {
    await Promise.all([...this.pages].map(async ([size, page]) => {
      const label = `${name}-${size.width}x${size.height}`;
      await open(page);
      await pageReady(page);
      await page.waitForTimeout(150); // the live stream's first event
      const report = await runAxe(page, label);
      this.reports.push(report);
      await page.screenshot({
        path: new URL(`${label}.png`, SHOTS).pathname,
        fullPage: true,
        animations: "disabled",
        // Rendering a full page to PNG can take seconds while the other tests load the cores.
        timeout: 30_000,
      });
      const problems = blocking(report);
      assert(problems.length === 0, `axe found:\n  ${problems.join("\n  ")}`);
      await assertFits(page, label, size.width);
      const other = ALSO_FITS.get(size)!;
      await page.setViewportSize(other);
      await assertFits(page, `${name}-${other.width}x${other.height}`, other.width);
      await page.setViewportSize(size);
    }));
  }

  createWithError(): Open {
    return async (page) => {
      await page.goto(`${this.server.url}/create`);
      await pageReady(page);
      await page.fill("#measure", "ab");
      await page.fill("#options_raw", "yes, no");
      await page.click("#create-form button[type=submit]");
      await page.waitForSelector("#measure-error");
    };
  }

  notFound(): Open {
    return this.goto(MISSING);
  }

  /** The README's picture: the results page from the top bar to below the share box. */
  async readmeShot(ballotId: string): Promise<number> {
    const page = this.pages.get(DESKTOP)!;
    await page.setViewportSize({ width: 960, height: 800 });
    await page.goto(`${this.server.url}/results/${ballotId}`);
    await pageReady(page);
    await Deno.mkdir(new URL(".", README_SHOT), { recursive: true });
    const share = (await page.locator(".share").boundingBox())!;
    await page.screenshot({
      path: README_SHOT.pathname,
      animations: "disabled",
      // Rendering a full page to PNG can take seconds while the other tests load the cores.
      timeout: 30_000,
      clip: { x: 0, y: 0, width: 960, height: Math.ceil(share.y + share.height + 24) },
    });
    const { size } = await Deno.stat(README_SHOT);
    assert(size <= README_SHOT_MAX_BYTES, `${README_SHOT.pathname} is ${size} bytes`);
    return size;
  }

  /** No page logged an error or got a 4xx/5xx, but for the 404 page itself. */
  assertClean(): void {
    this.watched.assertClean([
      new RegExp(`${MISSING}: Failed to load resource: .* 404`),
      new RegExp(`^404 .*${MISSING}$`),
    ]);
  }

  summaries(): string[] {
    return this.reports.map((report) => `axe ${summary(report)}`);
  }
}

/** A ballot with votes spread over its options and a write-in, open for a day. */
export async function seedActiveBallot(server: TestServer): Promise<string> {
  const client = new Client(server.url);
  const id = await client.createBallot({
    measure: "Where should the team offsite be this spring?",
    options_raw: "lisbon, kyoto, reykjavik, stay_home",
    allow_write_in: "on",
    duration_mins: "1440",
  });
  const votes = ["lisbon", "lisbon", "kyoto", "lisbon", "reykjavik", "kyoto", "__write_in__"];
  for (const option of votes) {
    const response = await client.post(`/vote/${id}`, {
      option,
      write_in_value: "the_office_roof",
    });
    await response.body?.cancel();
    assertEquals(response.status, 303);
  }
  return id;
}

/** A ballot that opens tomorrow. */
export async function seedPendingBallot(server: TestServer): Promise<string> {
  return await new Client(server.url).createBallot({
    measure: "Adopt four-day weeks?",
    options_raw: "yes, no",
    start_time_type: "scheduled",
    scheduled_start_time: new Date(Date.now() + 26 * 3_600_000).toISOString(),
    duration_mins: "0",
  });
}

/** Nothing on the page is wider than the viewport (no sideways scrolling). */
async function assertFits(page: Page, name: string, width: number): Promise<void> {
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert(scrollWidth <= width, `${name} is ${scrollWidth}px wide in a ${width}px viewport`);
}
