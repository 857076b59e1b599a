/**
 * Ballot kinds in real Chromium against a real Oponn in this process: ranked
 * voting with the keyboard only (announced), with the mouse (drag), and with
 * JavaScript off (`rank_{i}` selects); approval with the mouse; a second
 * context watching the rounds change live; the create page's option rows with
 * and without JavaScript. Screenshots at two sizes, axe clean. Skipped without Chromium.
 */
import type { Browser, Page } from "playwright-core";
import { assert, assertEquals } from "../_support/assert.ts";
import { Client, readCounts } from "../_support/client.ts";
import { readRounds } from "../_support/rounds.ts";
import { startTestServer, type TestServer } from "../_support/server.ts";
import {
  browserTest,
  DESKTOP,
  eventually,
  launchBrowser,
  pageReady,
  PHONE,
  watch,
} from "./_browser.ts";
import { blocking, runAxe } from "./_axe.ts";

const SHOTS = new URL("./screenshots/", import.meta.url);

async function rankedReady(page: Page): Promise<void> {
  await pageReady(page);
  await page.locator(".ranked-live").waitFor();
}

async function rankingOf(page: Page): Promise<string[]> {
  return await page.locator('input[type="hidden"][name="ranking"]').evaluateAll((inputs) =>
    inputs.map((input) => (input as HTMLInputElement).value)
  );
}

async function resultsHtml(server: TestServer, id: string): Promise<string> {
  return await (await new Client(server.url).get(`/results/${id}`)).text();
}

async function assertAxeClean(page: Page, name: string): Promise<void> {
  const problems = blocking(await runAxe(page, name));
  assertEquals(problems, [], problems.join("\n"));
}

Deno.test({
  name: "Ballot kinds in Chromium: ranked by keyboard, mouse and without JS; approval; live rounds",
  ...browserTest,
  async fn(t) {
    const server = await startTestServer();
    let browser: Browser | undefined;
    try {
      browser = await launchBrowser();
      const owner = new Client(server.url);
      const ranked = await owner.createBallot({
        measure: "Which city next?",
        options_raw: "lisbon, kyoto, oslo",
        kind: "ranked",
      });

      await t.step("keyboard only: rank, pick up, move, drop, announced; then cast", async () => {
        const watched = await watch(browser!);
        const page = await watched.newPage();
        await page.goto(`${server.url}/vote/${ranked}`);
        await rankedReady(page);
        await assertAxeClean(page, "ranked-vote");
        await page.getByRole("button", { name: "Rank oslo" }).focus();
        await page.keyboard.press("Enter");
        // Focus moved to the next option to rank: rank it too, then the last one.
        await page.keyboard.press("Enter");
        await page.keyboard.press("Enter");
        assertEquals(await rankingOf(page), ["oslo", "lisbon", "kyoto"]);
        const announce = page.locator("[data-announce]");

        await page.locator('[data-ranked="kyoto"]').focus();
        await page.keyboard.press("Space");
        assert((await announce.textContent())!.includes("kyoto picked up, rank 3 of 3"));
        await page.keyboard.press("ArrowUp");
        await page.keyboard.press("ArrowUp");
        assertEquals(await announce.textContent(), "kyoto moved to rank 1 of 3.");
        await page.keyboard.press("Space");
        assertEquals(await announce.textContent(), "kyoto dropped at rank 1 of 3.");
        // Escape puts a picked-up row back where it was.
        await page.keyboard.press("Space");
        await page.keyboard.press("ArrowDown");
        await page.keyboard.press("Escape");
        assertEquals(await rankingOf(page), ["kyoto", "oslo", "lisbon"]);
        const focused = await page.evaluate(() =>
          (document.activeElement as HTMLElement | null)?.dataset.ranked
        );
        assertEquals(focused, "kyoto", "focus stays on the row moved");
        // Delete takes a row out of the ranking.
        await page.locator('[data-ranked="lisbon"]').focus();
        await page.keyboard.press("Delete");
        assertEquals(await rankingOf(page), ["kyoto", "oslo"]);

        await page.locator("#vote-form button[type=submit]").focus();
        await page.keyboard.press("Enter");
        await page.waitForURL(`**/results/${ranked}`);
        assertEquals(readRounds(await resultsHtml(server, ranked))[0], {
          kyoto: 1,
          lisbon: 0,
          oslo: 0,
        });
        watched.assertClean();
        await watched.context.close();
      });

      await t.step("the mouse: drag a row above another, then cast", async () => {
        const watched = await watch(browser!);
        const page = await watched.newPage();
        await page.goto(`${server.url}/vote/${ranked}`);
        await rankedReady(page);
        await page.getByRole("button", { name: "Rank lisbon" }).click();
        await page.getByRole("button", { name: "Rank oslo" }).click();
        await page.dragAndDrop('[data-ranked="oslo"]', '[data-ranked="lisbon"]');
        assertEquals(await rankingOf(page), ["oslo", "lisbon"]);
        await page.getByRole("button", { name: "Move lisbon up" }).click();
        await page.getByRole("button", { name: "Move lisbon down" }).click();
        await page.dragAndDrop('[data-unranked="kyoto"]', '[data-ranked="oslo"]');
        assertEquals(await rankingOf(page), ["kyoto", "oslo", "lisbon"]);
        await page.getByRole("button", { name: "Remove kyoto from the ranking" }).click();
        await page.click("#vote-form button[type=submit]");
        await page.waitForURL(`**/results/${ranked}`);
        assertEquals(readRounds(await resultsHtml(server, ranked))[0].oslo, 1);
        watched.assertClean();
        await watched.context.close();
      });

      await t.step("JavaScript off: the rank selects", async () => {
        const watched = await watch(browser!, { javaScriptEnabled: false });
        const page = await watched.newPage();
        await page.goto(`${server.url}/vote/${ranked}`);
        assertEquals(await page.locator(".ranked-live").count(), 0);
        // Two options ranked 1: refused with the message of the spec, the choices kept.
        await page.selectOption('select[name="rank_0"]', "1");
        await page.selectOption('select[name="rank_2"]', "1");
        await page.click("#vote-form button[type=submit]");
        await page.locator("#ranking-error").waitFor();
        assertEquals(await page.textContent("#ranking-error"), "Each rank can be used once.");
        assertEquals(await page.inputValue('select[name="rank_0"]'), "1");
        await page.selectOption('select[name="rank_0"]', "2");
        await page.click("#vote-form button[type=submit]");
        await page.waitForURL(`**/results/${ranked}`);
        const rounds = readRounds(await page.content());
        assertEquals(rounds[0], { kyoto: 1, oslo: 2, lisbon: 0 });
        watched.assertClean([/\/vote\/.* 400|400 .*\/vote\//]);
        await watched.context.close();
      });

      await t.step("approval with the mouse; shares of voters", async () => {
        const approval = await owner.createBallot({
          measure: "Which evenings work?",
          options_raw: "mon, wed, fri",
          kind: "approval",
          max_choices: "2",
        });
        const watched = await watch(browser!);
        const page = await watched.newPage();
        await page.goto(`${server.url}/vote/${approval}`);
        await pageReady(page);
        await page.getByLabel("mon").check();
        await page.getByLabel("fri").check();
        await assertAxeClean(page, "approval-vote");
        await page.click("#vote-form button[type=submit]");
        await page.waitForURL(`**/results/${approval}`);
        const html = await page.content();
        assertEquals(readCounts(html), { mon: 1, wed: 0, fri: 1 });
        assert(html.includes("100.0%"), "each chosen option has all of the one voter");
        watched.assertClean();
        await watched.context.close();
      });

      await t.step("a second context watches the rounds change live", async () => {
        const watched = await watch(browser!);
        const page = await watched.newPage();
        await page.goto(`${server.url}/results/${ranked}`);
        await pageReady(page);
        await page.locator('[data-round="1"]').waitFor();
        const before = await page.locator("[data-round]").count();
        // Three more ballots for lisbon first: it leads now, and a round more is needed.
        for (let i = 0; i < 3; i++) {
          const voter = new Client(server.url);
          await voter.open(`/vote/${ranked}`);
          const response = await voter.post(`/vote/${ranked}`, { ranking: ["lisbon", "oslo"] });
          await response.body?.cancel();
          assertEquals(response.status, 303);
        }
        const lisbon = await eventually(
          async () => {
            const count = await page.locator('[data-round="1"] [data-option="lisbon"]')
              .getAttribute("data-count");
            return count === "3" ? count : null;
          },
          { timeoutMs: 3000, what: "lisbon's first-round count to reach 3 live" },
        );
        assertEquals(lisbon, "3");
        assert((await page.locator("[data-round]").count()) >= before);
        await assertAxeClean(page, "ranked-results");
        for (const size of [DESKTOP, PHONE]) {
          await page.setViewportSize(size);
          await page.screenshot({
            path: new URL(`ranked-results-${size.width}x${size.height}.png`, SHOTS).pathname,
            fullPage: true,
            // Rendering a full page to PNG can take seconds while the other tests load the cores.
            timeout: 30_000,
          });
        }
        watched.assertClean();
        await watched.context.close();
      });

      await t.step("create: option rows, added in place with JS, more rows without", async () => {
        const watched = await watch(browser!);
        const page = await watched.newPage();
        await page.goto(`${server.url}/create`);
        await pageReady(page);
        await page.locator("[data-add-option]").waitFor();
        const rows = await page.locator('input[name="options"]').count();
        await page.click("[data-add-option]");
        assertEquals(await page.locator('input[name="options"]').count(), rows + 1);
        const focusedId = await page.evaluate(() => document.activeElement?.id);
        assertEquals(focusedId, `option-input-${rows}`);
        await page.fill("#measure", "Commas inside");
        await page.fill("#option-input-0", "salt, vinegar");
        await page.fill("#option-input-1", "cheese");
        await page.getByLabel("ranked_choice (instant runoff)").check();
        await assertAxeClean(page, "create-options");
        await page.click("#create-form button.btn-primary");
        await page.waitForURL(/\/vote\//);
        await rankedReady(page);
        assertEquals(await page.locator("[data-unranked]").count(), 2);
        assert(await page.locator('[data-unranked="salt, vinegar"]').count() === 1);
        watched.assertClean();
        await watched.context.close();

        const plain = await watch(browser!, { javaScriptEnabled: false });
        const noJs = await plain.newPage();
        await noJs.goto(`${server.url}/create`);
        const before = await noJs.locator('input[name="options"]').count();
        await noJs.fill("#option-input-0", "kept");
        await noJs.click('button[name="more_options"]');
        await noJs.locator(`#option-input-${before + 4}`).waitFor();
        assertEquals(await noJs.inputValue("#option-input-0"), "kept");
        plain.assertClean();
        await plain.context.close();
      });
    } finally {
      await browser?.close();
      await server.close();
    }
  },
});
