/**
 * The results page says honestly whether its figures are live: in real Chromium,
 * through a TCP proxy in front of a real Oponn, the proxy is cut (every
 * connection closed, new ones refused, as when the server dies) and opened again.
 * The indicator turns to `reconnecting` and the figures are marked stale, then a
 * vote cast during the outage arrives and both return to `live`. The browser's
 * own offline switch shows `offline`. Without JavaScript the page says it does
 * not update by itself and offers a refresh link.
 */
import { assert, assertEquals, assertStringIncludes } from "../_support/assert.ts";
import { Client } from "../_support/client.ts";
import { startTestServer } from "../_support/server.ts";
import { TcpProxy } from "../_support/tcp_proxy.ts";
import { browserTest, eventually, launchBrowser, pageReady, watch } from "./_browser.ts";
import type { Page } from "playwright-core";

async function liveState(page: Page): Promise<string | null> {
  return await page.getAttribute("#live-state", "data-live-state");
}

async function staleMarks(page: Page) {
  return await page.evaluate(() => {
    const section = document.querySelector("[sse-connect]")!;
    const results = document.getElementById("results")!;
    const describedBy = results.getAttribute("aria-describedby") ?? "";
    return {
      attribute: section.hasAttribute("data-stale"),
      opacity: getComputedStyle(results).opacity,
      /** What a screen reader hears as the figures' description. */
      description: document.getElementById(describedBy)?.textContent ?? "",
    };
  });
}

Deno.test({
  name: "results page: live, reconnecting while the server is gone, live again with fresh data",
  ...browserTest,
  async fn() {
    const server = await startTestServer();
    const proxy = TcpProxy.start({ hostname: "127.0.0.1", port: Number(new URL(server.url).port) });
    const browser = await launchBrowser();
    try {
      const client = new Client(server.url);
      const id = await client.createBallot({ measure: "Stale or fresh?", options_raw: "a, b" });
      const watched = await watch(browser);
      const page = await watched.newPage();
      await page.goto(`http://127.0.0.1:${proxy.port}/results/${id}`);
      await pageReady(page);

      await eventually(async () => await liveState(page) === "live", { what: "live" });
      let marks = await staleMarks(page);
      assertEquals(marks.attribute, false, "fresh figures are not marked stale");
      assertEquals(marks.opacity, "1");
      assertStringIncludes(marks.description, "live");
      assertEquals(await page.locator("#live-state").getAttribute("role"), "status");

      const cutAt = Date.now();
      await proxy.cut();
      await eventually(async () => await liveState(page) === "reconnecting", {
        what: "reconnecting after the cut",
        timeoutMs: 10_000,
      });
      const noticedMs = Date.now() - cutAt;
      marks = await staleMarks(page);
      assertEquals(marks.attribute, true, "the figures are marked stale");
      await eventually(async () => Number((await staleMarks(page)).opacity) <= 0.5, {
        what: "the stale figures to fade",
      });
      assertStringIncludes(marks.description, "reconnecting");
      assertStringIncludes(marks.description, "stale_since");
      assertStringIncludes(marks.description, "the results below may be out of date");
      assertEquals(
        await page.getAttribute("#live-state a", "href"),
        `/results/${id}`,
        "a refresh link while stale",
      );

      // A vote lands while this browser cannot hear it.
      const vote = await client.post(`/vote/${id}`, { option: "b" });
      await vote.body?.cancel();
      // Still stale a while later: nothing arrived, so nothing is claimed.
      await page.waitForTimeout(2_500);
      assertEquals(await liveState(page), "reconnecting");
      assertEquals(await page.getAttribute('[data-option="b"]', "data-count"), "0");

      const backAt = Date.now();
      proxy.pass();
      await eventually(async () => await liveState(page) === "live", {
        what: "live again once the server is back",
        timeoutMs: 20_000,
      });
      console.log(
        `stale marked ${noticedMs} ms after the cut; live again ${Date.now() - backAt} ms after`,
      );
      assertEquals(
        await page.getAttribute('[data-option="b"]', "data-count"),
        "1",
        "the missed vote arrived with the return",
      );
      marks = await staleMarks(page);
      assertEquals(marks.attribute, false, "the stale mark is gone");
      assertEquals(marks.description.includes("stale"), false);

      // The browser's own network switch.
      await watched.context.setOffline(true);
      await eventually(async () => await liveState(page) === "offline", { what: "offline" });
      assertEquals((await staleMarks(page)).attribute, true);
      await watched.context.setOffline(false);
      await eventually(async () => await liveState(page) === "live", {
        what: "live after going online",
        timeoutMs: 20_000,
      });
      assertEquals((await staleMarks(page)).attribute, false);

      // The stream's errors are the point of the test: Chromium logs the cut, htmx each error
      // (as `[object Event]`). Nothing else may fail.
      watched.assertClean([
        /: \[object Event\]$/,
        /net::ERR_(INCOMPLETE_CHUNKED_ENCODING|CONNECTION_REFUSED|CONNECTION_RESET|INTERNET_DISCONNECTED|EMPTY_RESPONSE)$/,
      ]);
      await watched.context.close();
    } finally {
      await browser.close();
      await proxy.close();
      await server.close();
    }
  },
});

Deno.test({
  name: "results page without JavaScript: says it does not update by itself, links a refresh",
  ...browserTest,
  async fn() {
    const server = await startTestServer();
    const browser = await launchBrowser();
    try {
      const id = await new Client(server.url).createBallot({
        measure: "Static or live?",
        options_raw: "a, b",
      });
      const watched = await watch(browser, { javaScriptEnabled: false });
      const page = await watched.newPage();
      await page.goto(`${server.url}/results/${id}`);
      const note = page.locator("#live-state");
      assertStringIncludes(await note.textContent() ?? "", "This page does not update by itself.");
      assertEquals(await note.getAttribute("data-live-state"), "static");
      assert(await note.isVisible(), "the note is visible");
      const refresh = note.getByRole("link", { name: "refresh" });
      assertEquals(await refresh.getAttribute("href"), `/results/${id}`);
      assertEquals(await page.getAttribute("#results", "aria-describedby"), "live-state");
      await refresh.click();
      await page.waitForURL(`**/results/${id}`);
      watched.assertClean();
      await watched.context.close();
    } finally {
      await browser.close();
      await server.close();
    }
  },
});

Deno.test({
  name: "embed widget: the same live state, reconnecting through a cut and live again",
  ...browserTest,
  async fn() {
    const server = await startTestServer();
    const proxy = TcpProxy.start({ hostname: "127.0.0.1", port: Number(new URL(server.url).port) });
    const browser = await launchBrowser();
    try {
      const id = await new Client(server.url).createBallot({
        measure: "Embedded and honest?",
        options_raw: "a, b",
      });
      const watched = await watch(browser);
      const page = await watched.newPage();
      await page.goto(`http://127.0.0.1:${proxy.port}/embed/${id}`);
      await pageReady(page);
      await eventually(async () => await liveState(page) === "live", { what: "live" });
      assertEquals((await staleMarks(page)).attribute, false);
      await proxy.cut();
      await eventually(async () => await liveState(page) === "reconnecting", {
        what: "reconnecting",
        timeoutMs: 10_000,
      });
      assertEquals((await staleMarks(page)).attribute, true);
      assertEquals(await page.getAttribute("#live-state a", "href"), `/embed/${id}`);
      proxy.pass();
      await eventually(async () => await liveState(page) === "live", {
        what: "live again",
        timeoutMs: 20_000,
      });
      assertEquals((await staleMarks(page)).attribute, false);
      watched.assertClean([
        /: \[object Event\]$/,
        /net::ERR_(INCOMPLETE_CHUNKED_ENCODING|CONNECTION_REFUSED|CONNECTION_RESET|EMPTY_RESPONSE)$/,
      ]);
      await watched.context.close();
    } finally {
      await browser.close();
      await proxy.close();
      await server.close();
    }
  },
});
