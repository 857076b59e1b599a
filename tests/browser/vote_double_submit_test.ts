/**
 * In a real browser without JavaScript: a vote form submitted a second time
 * while the first submission is still waiting for its answer (a double click,
 * a slow network) sends the page's own key again, and the vote counts once.
 */
import { browserTest, launchBrowser, watch } from "./_browser.ts";
import { assert, assertEquals } from "../_support/assert.ts";
import { Client, readCounts } from "../_support/client.ts";
import { startTestServer } from "../_support/server.ts";

Deno.test({
  name:
    "browser without JavaScript: the vote form submitted again before its answer came counts once (the page's vote_key)",
  ...browserTest,
  async fn() {
    const server = await startTestServer();
    const browser = await launchBrowser();
    try {
      const id = await new Client(server.url).createBallot({
        measure: "Double submit",
        options_raw: "a, b",
      });
      const watched = await watch(browser, { javaScriptEnabled: false });
      const page = await watched.newPage();
      const bodies: string[] = [];
      let secondSent!: () => void;
      const second = new Promise<void>((resolve) => secondSent = resolve);
      let firstRecorded!: () => void;
      const first = new Promise<void>((resolve) => firstRecorded = resolve);
      await page.route(`**/vote/${id}`, async (route) => {
        const request = route.request();
        if (request.method() !== "POST") return await route.continue();
        bodies.push(request.postData() ?? "");
        if (bodies.length > 1) {
          secondSent();
          return await route.continue();
        }
        // The first submission reaches the server and is recorded; its answer is slow.
        const answered = await route.fetch({ maxRedirects: 0 });
        assertEquals(answered.status(), 303, "the first submission was recorded");
        firstRecorded();
        await second;
        // The browser dropped this navigation for the second one.
        await route.fulfill({ response: answered }).catch(() => {});
      });
      await page.goto(`${server.url}/vote/${id}`);
      await page.check("#option-0");
      // A raw click: the button as a person clicks it, not waiting for the page to settle.
      const box = (await page.locator("#cast-vote").boundingBox())!;
      const clickCast = () => page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      await clickCast();
      await first;
      await clickCast();
      // The first navigation ends aborted (replaced by the second), which waitForURL reports.
      const until = Date.now() + 15_000;
      while (!page.url().endsWith(`/results/${id}`) && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assertEquals(new URL(page.url()).pathname, `/results/${id}`, "the voter is on the results");
      assertEquals(bodies.length, 2, "submitted twice");
      const keys = bodies.map((body) => new URLSearchParams(body).get("vote_key"));
      assert(/^[0-9a-f]{32}$/.test(keys[0] ?? ""), `the page's key: ${keys[0]}`);
      assertEquals(keys[1], keys[0], "the same key both times");
      const results = await (await fetch(`${server.url}/results/${id}`)).text();
      assertEquals(readCounts(results), { a: 1, b: 0 });
      watched.assertClean();
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
