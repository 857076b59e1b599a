/**
 * Keyboard and sharing in real Chromium: the home page costs one tab stop per
 * ballot; the nav names the current page; the copy button shows only where a
 * clipboard exists and then copies the vote link; without JavaScript the link
 * is a selectable field and no button shows; the share button shows only where
 * the browser has a share sheet, and hands it the question and the vote link.
 */
import type { Page } from "playwright-core";
import { assert, assertEquals } from "../_support/assert.ts";
import { Client } from "../_support/client.ts";
import { startTestServer, type TestServer } from "../_support/server.ts";
import { browserTest, eventually, launchBrowser, pageReady, watch } from "./_browser.ts";

/** Tabs from the top of the page until focus leaves `main`, naming what it stopped on. */
async function tabStopsInMain(page: Page): Promise<string[]> {
  const stops: string[] = [];
  let enteredMain = false;
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press("Tab");
    const where = await page.evaluate(() => {
      const element = document.activeElement;
      if (!element || element === document.body) return null;
      const inMain = element.closest("main") !== null;
      const ballot = element.closest("[data-ballot-id]")?.getAttribute("data-ballot-id");
      const name = `${element.tagName.toLowerCase()}:${element.textContent?.trim().slice(0, 30)}`;
      return { inMain, label: ballot ? `ballot ${ballot} ${name}` : name };
    });
    if (where?.inMain) {
      enteredMain = true;
      stops.push(where.label);
    } else if (enteredMain) {
      return stops;
    }
  }
  throw new Error(`focus never left main: ${stops.join(", ")}`);
}

async function seed(server: TestServer): Promise<string[]> {
  const client = new Client(server.url);
  const ids: string[] = [];
  for (const measure of ["First question?", "Second question?", "Third question?"]) {
    ids.push(await client.createBallot({ measure, options_raw: "a, b" }));
  }
  return ids;
}

Deno.test({
  name: "home page: one tab stop per ballot; the nav names the current page",
  ...browserTest,
  async fn() {
    const server = await startTestServer();
    const browser = await launchBrowser();
    try {
      const ids = await seed(server);
      const watched = await watch(browser);
      const page = await watched.newPage();
      await page.goto(`${server.url}/`);
      await pageReady(page);
      const current = page.getByRole("navigation", { name: "main" }).locator(
        "[aria-current=page]",
      );
      assertEquals(await current.count(), 1);
      assertEquals(await current.getAttribute("href"), "/");

      const stops = await tabStopsInMain(page);
      for (const id of ids) {
        const mine = stops.filter((stop) => stop.startsWith(`ballot ${id} `));
        assertEquals(mine.length, 1, `one stop for ${id}: ${mine.join(" | ")}`);
        assert(mine[0].startsWith(`ballot ${id} a:`), `the stop is the ballot's link: ${mine[0]}`);
      }
      // The one stop opens the vote page, which links to the results.
      await page.locator(`[data-ballot-id="${ids[0]}"] a.ballot-measure`).focus();
      await page.keyboard.press("Enter");
      await page.waitForURL(`**/vote/${ids[0]}`);
      assertEquals(
        await page.getByRole("link", { name: "view_results" }).getAttribute("href"),
        `/results/${ids[0]}`,
      );
      assertEquals(
        await page.locator("nav[aria-label=main] [aria-current]").count(),
        0,
        "no nav link is the vote page",
      );
      watched.assertClean();
      await watched.context.close();
    } finally {
      await browser.close();
      await server.close();
    }
  },
});

Deno.test({
  name: "share box: copy only where a clipboard exists, share only where a share sheet exists",
  ...browserTest,
  async fn(t) {
    const server = await startTestServer();
    const browser = await launchBrowser();
    try {
      const id = await new Client(server.url).createBallot({
        measure: "Share this?",
        options_raw: "a, b",
      });
      const voteUrl = `${server.url}/vote/${id}`;

      await t.step("without JavaScript: a selectable link, no button", async () => {
        const watched = await watch(browser, { javaScriptEnabled: false });
        const page = await watched.newPage();
        await page.goto(voteUrl);
        const field = page.locator("#share-url");
        assertEquals(await field.inputValue(), voteUrl);
        assert(await field.isEditable() === false, "read-only");
        await field.selectText();
        const selected = await field.evaluate((input: HTMLInputElement) =>
          input.value.slice(input.selectionStart ?? 0, input.selectionEnd ?? 0)
        );
        assertEquals(selected, voteUrl, "the whole link can be selected");
        assertEquals(await page.locator("button[data-copy]").isVisible(), false);
        assertEquals(await page.locator("[data-share]").count(), 0);
        watched.assertClean();
        await watched.context.close();
      });

      await t.step("with a clipboard: the copy button copies the vote link", async () => {
        const watched = await watch(browser, {
          permissions: ["clipboard-read", "clipboard-write"],
        });
        const page = await watched.newPage();
        await page.goto(voteUrl);
        await pageReady(page);
        const copy = page.getByRole("button", { name: "copy" });
        await copy.waitFor({ state: "visible" });
        await copy.click();
        await eventually(
          async () => await page.textContent("[data-copy-status]") === "link_copied",
          {
            what: "the copied announcement",
          },
        );
        assertEquals(await page.evaluate(() => navigator.clipboard.readText()), voteUrl);
        watched.assertClean();
        await watched.context.close();
      });

      await t.step("JavaScript without a clipboard: no copy button", async () => {
        const watched = await watch(browser);
        await watched.context.addInitScript(() => {
          Object.defineProperty(Navigator.prototype, "clipboard", { get: () => undefined });
        });
        const page = await watched.newPage();
        await page.goto(voteUrl);
        await pageReady(page);
        await page.waitForLoadState("load");
        assertEquals(await page.evaluate(() => navigator.clipboard), undefined);
        assertEquals(await page.locator("button[data-copy]").isVisible(), false);
        watched.assertClean();
        await watched.context.close();
      });

      await t.step("share sheet: shown only where navigator.share exists", async () => {
        // This Chromium (Linux, headless) has no share sheet: no button.
        const plain = await watch(browser);
        const page = await plain.newPage();
        await page.goto(`${server.url}/results/${id}`);
        await pageReady(page);
        await page.waitForLoadState("load");
        assertEquals(await page.evaluate(() => typeof navigator.share), "undefined");
        await page.waitForTimeout(300); // the island has mounted by now
        assertEquals(await page.locator("[data-share]").count(), 0);
        plain.assertClean();
        await plain.context.close();

        // A browser that has one: the button appears and hands it the question and link.
        const phone = await watch(browser);
        await phone.context.addInitScript(() => {
          const shared: unknown[] = [];
          Object.assign(globalThis, { __shared: shared });
          Object.defineProperty(Navigator.prototype, "share", {
            value: (data: unknown) => {
              shared.push(data);
              return Promise.resolve();
            },
          });
        });
        const sharing = await phone.newPage();
        await sharing.goto(`${server.url}/results/${id}`);
        await pageReady(sharing);
        const button = sharing.getByRole("button", { name: "share" });
        await button.waitFor({ state: "visible" });
        await button.click();
        const shared = await eventually(
          () =>
            sharing.evaluate(() => (globalThis as unknown as { __shared: unknown[] }).__shared[0]),
          { what: "a share" },
        );
        assertEquals(shared, { title: "Share this?", url: voteUrl });
        phone.assertClean();
        await phone.context.close();
      });
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
