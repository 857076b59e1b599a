/**
 * The create form in real Chromium against a real Oponn: a start and an end
 * typed as wall times (to the minute) are stored as the instants meant, from
 * two browser zones and without JavaScript (zone chosen in the select); focus
 * lands on the first field in error after a refused submit, with and without
 * JavaScript; the question's count follows the typing. Skipped without Chromium.
 */
import type { Browser, Page } from "playwright-core";
import { assert, assertEquals } from "../_support/assert.ts";
import { startTestServer, type TestServer } from "../_support/server.ts";
import { browserTest, eventually, launchBrowser, pageReady, watch } from "./_browser.ts";

/** The year of the next July 1st at least two days ahead (summer time in both zones tested). */
function julyYear(): number {
  const year = new Date().getUTCFullYear();
  return Date.parse(`${year}-07-01T00:00:00Z`) > Date.now() + 2 * 86_400_000 ? year : year + 1;
}

const YEAR = julyYear();
/** What a person types, in each zone, and the instants that means there. */
const TYPED = { start: `${YEAR}-07-01T10:00`, end: `${YEAR}-07-01T18:30` };
const MEANT: Record<string, { start: string; end: string }> = {
  "Europe/Berlin": { start: `${YEAR}-07-01T08:00:00.000Z`, end: `${YEAR}-07-01T16:30:00.000Z` },
  "America/Los_Angeles": {
    start: `${YEAR}-07-01T17:00:00.000Z`,
    end: `${YEAR}-07-02T01:30:00.000Z`,
  },
};

async function storedTimes(server: TestServer, page: Page) {
  await page.waitForURL(/\/vote\/[A-Za-z0-9_-]{16}$/);
  const id = new URL(page.url()).pathname.split("/").pop()!;
  const ballot = await server.oponn.deps.oponn.getBallot(id);
  assert(ballot, "the ballot is stored");
  return { start: ballot.startsAt.toISOString(), end: ballot.endsAt?.toISOString() };
}

/** Fills the question and two options, chooses a later start and an end at a date and time. */
async function fillTimedBallot(page: Page, javaScript: boolean): Promise<void> {
  await page.fill("#measure", "When do we meet?");
  await page.fill("#option-input-0", "here");
  await page.fill("#option-input-1", "there");
  await page.check("#start_time_type-scheduled");
  // With JavaScript the field comes from the fragment; without, it is in the page already.
  await page.locator("#scheduled_start_time").waitFor();
  await page.fill("#scheduled_start_time", TYPED.start);
  if (!javaScript) await page.check("#end_type-at");
  await page.fill("#end_time", TYPED.end);
  // With JavaScript, using the end's field chose its option.
  assert(await page.isChecked("#end_type-at"), "the end at a date and time is chosen");
}

async function focusedId(page: Page): Promise<string> {
  return await page.evaluate(() => document.activeElement?.id ?? "");
}

Deno.test({
  name: "Create form in Chromium: wall times in two zones and without JS, focus, the count",
  ...browserTest,
  async fn(t) {
    const server = await startTestServer();
    const browser: Browser = await launchBrowser();
    try {
      for (const timezoneId of Object.keys(MEANT)) {
        await t.step(`a start and end typed in ${timezoneId} are its wall times`, async () => {
          const watched = await watch(browser, { timezoneId });
          const page = await watched.newPage();
          await page.goto(`${server.url}/create`);
          await pageReady(page);
          await page.locator("[data-zone-said=browser]").waitFor();
          assertEquals(await page.inputValue("#time_zone"), timezoneId);
          await fillTimedBallot(page, true);
          await page.click("#initialize_ballot");
          assertEquals(await storedTimes(server, page), MEANT[timezoneId]);
          watched.assertClean();
          await watched.context.close();
        });
      }

      await t.step("without JavaScript the zone chosen in the select is the one read", async () => {
        // The browser's own zone is Tokyo: without JavaScript only the select counts.
        const watched = await watch(browser, {
          javaScriptEnabled: false,
          timezoneId: "Asia/Tokyo",
        });
        const page = await watched.newPage();
        await page.goto(`${server.url}/create`);
        assertEquals(await page.inputValue("#time_zone"), "UTC", "UTC unless chosen");
        await fillTimedBallot(page, false);
        await page.selectOption("#time_zone", "America/Los_Angeles");
        await page.click("#initialize_ballot");
        assertEquals(await storedTimes(server, page), MEANT["America/Los_Angeles"]);
        // The next form in this browser starts from that zone, and says why.
        await page.goto(`${server.url}/create`);
        assertEquals(await page.inputValue("#time_zone"), "America/Los_Angeles");
        assertEquals(await page.textContent("#time_zone-said"), "(from your last ballot)");
        watched.assertClean();
        await watched.context.close();
      });

      for (const javaScriptEnabled of [true, false]) {
        const how = javaScriptEnabled ? "with JavaScript (htmx swap)" : "without JavaScript";
        await t.step(
          `after a refused submit focus is on the first field in error, ${how}`,
          async () => {
            const watched = await watch(browser, { javaScriptEnabled });
            const page = await watched.newPage();
            await page.goto(`${server.url}/create`);
            if (javaScriptEnabled) await pageReady(page);
            // The question and options are fine; the end is not: it is the first in error.
            await page.fill("#measure", "Tea or coffee?");
            await page.fill("#option-input-0", "tea");
            await page.fill("#option-input-1", "coffee");
            await page.check("#end_type-at");
            await page.click("#initialize_ballot");
            await page.locator("#end_time-error").waitFor();
            await eventually(async () => (await focusedId(page)) === "end_time", {
              timeoutMs: 3_000,
              what: "focus on #end_time",
            });
            assertEquals(await page.getAttribute("#end_time", "aria-invalid"), "true");
            assertEquals(
              await page.getAttribute("#end_time", "aria-describedby"),
              "end_time-error",
            );
            assertEquals(
              await page.textContent("#end_time-error"),
              "End time is required when 'at' is selected.",
            );
            assertEquals(await page.getAttribute("#form-errors", "role"), "alert");
            // Now the question too: it comes first.
            await page.fill("#measure", "");
            await page.fill("#end_time", `${YEAR}-07-01T18:30`);
            await page.click("#initialize_ballot");
            await page.locator("#measure-error").waitFor();
            await eventually(async () => (await focusedId(page)) === "measure", {
              timeoutMs: 3_000,
              what: "focus on #measure",
            });
            assertEquals(
              await page.textContent("#form-errors p"),
              "The ballot was not created: 1 field needs a fix.",
            );
            watched.assertClean();
            await watched.context.close();
          },
        );
      }

      await t.step("the question's count follows the typing", async () => {
        const watched = await watch(browser);
        const page = await watched.newPage();
        await page.goto(`${server.url}/create`);
        await pageReady(page);
        const count = page.locator("#measure-count");
        await eventually(async () => (await count.textContent()) === "0 / 255", {
          what: "the count to start at 0",
        });
        await page.locator("#measure").pressSequentially("Lunch?");
        assertEquals(await count.textContent(), "6 / 255");
        await page.locator("#measure").press("Enter");
        await page.locator("#measure").pressSequentially("Friday 🍕");
        assertEquals(await count.textContent(), "15 / 255", "code points, as the server counts");
        assertEquals(await page.getAttribute("#measure", "maxlength"), "255");
        watched.assertClean();
        await watched.context.close();
      });
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
