/**
 * In a real browser: a vote whose answer is lost after the server recorded it
 * (a proxy answers 502) is sent again by the page with the same
 * Idempotency-Key, and the voter lands on the results with the vote counted once.
 */
import { browserTest, launchBrowser, watch } from "./_browser.ts";
import { assert, assertEquals } from "../_support/assert.ts";
import { Client, readCounts } from "../_support/client.ts";
import { startTestServer } from "../_support/server.ts";

Deno.test({
  name:
    "browser: a vote recorded but answered 502 is sent again with its key; the voter reaches the results, counted once",
  ...browserTest,
  async fn() {
    const server = await startTestServer();
    const browser = await launchBrowser();
    try {
      const id = await new Client(server.url).createBallot({
        measure: "Lost answer",
        options_raw: "a, b",
      });
      const watched = await watch(browser);
      const page = await watched.newPage();
      const keys: string[] = [];
      let inertWhileResent: boolean | undefined;
      await page.route(`**/vote/${id}`, async (route) => {
        const request = route.request();
        if (request.method() !== "POST") return await route.continue();
        keys.push(request.headers()["idempotency-key"] ?? "");
        if (keys.length > 1) {
          // Until the copy is answered, the choice cannot change under it.
          inertWhileResent = await page.evaluate(() =>
            (document.getElementById("vote-form") as HTMLFormElement).inert
          );
          return await route.continue();
        }
        // The first copy reaches the server and is recorded; its answer is lost.
        const answered = await route.fetch();
        assertEquals(answered.status(), 204, "the first copy was recorded");
        await route.fulfill({ status: 502, contentType: "text/html", body: "<h1>502</h1>" });
      });
      await page.goto(`${server.url}/vote/${id}`);
      await page.check("#option-0");
      await Promise.all([
        page.waitForURL(`**/results/${id}`, { timeout: 15_000 }),
        page.click("#cast-vote"),
      ]);
      assertEquals(keys.length, 2, "sent twice");
      assert(/^[0-9a-f]{32}$/.test(keys[0]), `a key: ${keys[0]}`);
      assertEquals(keys[1], keys[0], "with the same key");
      assertEquals(inertWhileResent, true, "the form is inert while the vote is sent again");
      const results = await (await fetch(`${server.url}/results/${id}`)).text();
      assertEquals(readCounts(results), { a: 1, b: 0 });
      watched.assertClean([/502/]);
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
