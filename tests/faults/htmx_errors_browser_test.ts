/**
 * In a real browser, an HTMX form post refused with 4xx/5xx shows its message:
 * htmx 2 swaps no error response by default, so Layout's htmx-config sends
 * them to #main. Checked with a 429 (rate limit) and, with a Postgres server,
 * a 503 (database cut).
 */
import { launchBrowser, skipReason, watch } from "../browser/_browser.ts";
import { assert, assertStringIncludes } from "../_support/assert.ts";
import { Client } from "../_support/client.ts";
import { createServerDatabase } from "../_support/databases.ts";
import { startQuickServer } from "../_support/faults.ts";
import { startTestServer } from "../_support/server.ts";
import { TcpProxy } from "../_support/tcp_proxy.ts";

const noBrowser = skipReason();
const options = {
  ignore: noBrowser !== null,
  sanitizeOps: false,
  sanitizeResources: false,
};

const ONE_VOTE = {
  vote: { session: { capacity: 1, perSecond: 0.001 }, address: { capacity: 100, perSecond: 1 } },
  create: { session: { capacity: 10, perSecond: 1 }, address: { capacity: 100, perSecond: 1 } },
};

Deno.test({
  name: "browser: an HTMX vote refused with 429 shows the message in place",
  ...options,
  async fn() {
    const server = await startQuickServer({ OPONN_RATE_LIMIT: "on" }, {
      limits: { requests: ONE_VOTE },
    });
    const browser = await launchBrowser();
    try {
      const id = await new Client(server.url).createBallot({
        measure: "Once only",
        options_raw: "a, b",
      });
      const watched = await watch(browser);
      const page = await watched.newPage();
      await page.goto(`${server.url}/vote/${id}`);
      await page.check("#option-0");
      await Promise.all([page.waitForURL(`**/results/${id}`), page.click("#cast-vote")]);
      await page.goto(`${server.url}/vote/${id}`);
      await page.check("#option-1");
      await page.click("#cast-vote");
      const message = page.locator("#main .error-page");
      await message.waitFor({ state: "visible" });
      const text = await message.innerText();
      assertStringIncludes(text, "too_many_requests");
      assertStringIncludes(text, "Try again in");
      assert(page.url().endsWith(`/vote/${id}`), "stayed on the page");
      watched.assertClean([/429/]);
    } finally {
      await browser.close();
      await server.close();
    }
  },
});

const databaseUrl = Deno.env.get("TEST_DATABASE_URL");

Deno.test({
  name: "browser: an HTMX vote while Postgres is cut shows the 503 message in place",
  ...options,
  ignore: options.ignore || !databaseUrl,
  async fn() {
    const db = await createServerDatabase(databaseUrl!);
    const { proxy, url } = TcpProxy.forUrl(db.url);
    const server = await startTestServer({ DATABASE_URL: url });
    const browser = await launchBrowser();
    const saved = console.error;
    console.error = () => {};
    try {
      const id = await new Client(server.url).createBallot({ measure: "Cut", options_raw: "a, b" });
      const watched = await watch(browser);
      const page = await watched.newPage();
      await page.goto(`${server.url}/vote/${id}`);
      await proxy.cut();
      await page.check("#option-0");
      await page.click("#cast-vote");
      const message = page.locator("#main .error-page");
      await message.waitFor({ state: "visible", timeout: 8_000 });
      const text = await message.innerText();
      assertStringIncludes(text, "database_unavailable");
      assertStringIncludes(text, "Try again in a moment");
      // htmx-ext-sse logs the stream it closes when #main is replaced.
      watched.assertClean([/503/, /\[object Event\]/]);
    } finally {
      console.error = saved;
      proxy.pass();
      await browser.close();
      await server.close();
      await proxy.close();
      await db.drop();
    }
  },
});
