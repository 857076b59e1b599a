/**
 * The embed widget in real Chromium, framed by pages served from other local
 * origins: the one OPONN_EMBED_ORIGINS names shows it (and its bars move live),
 * another one is refused by the browser.
 */
import { assert, assertEquals } from "../_support/assert.ts";
import { startTestServer } from "../_support/server.ts";
import { browserTest, launchBrowser } from "./_browser.ts";

/** A page on its own origin (another port) that frames `src`. */
function hostPage(): { origin: string; src: { value: string }; close(): Promise<void> } {
  const src = { value: "" };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () =>
      new Response(
        `<!doctype html><title>host</title><iframe id="widget" src="${src.value}" width="600" height="400"></iframe>`,
        { headers: { "content-type": "text/html; charset=utf-8" } },
      ),
  );
  return {
    origin: `http://127.0.0.1:${server.addr.port}`,
    src,
    close: () => server.shutdown(),
  };
}

Deno.test({
  name: "Chromium: an allowed origin frames the live widget, another origin is refused",
  ...browserTest,
  async fn() {
    const allowed = hostPage();
    const other = hostPage();
    const server = await startTestServer({ OPONN_EMBED_ORIGINS: allowed.origin });
    const browser = await launchBrowser();
    try {
      const created = await fetch(`${server.url}/api/v1/ballots`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ measure: "Framed lunch?", options: ["tacos", "pizza"] }),
      }).then((response) => response.json());
      allowed.src.value = other.src.value = `${server.url}/embed/${created.id}`;

      const page = await browser.newPage();
      const refusals: string[] = [];
      page.on("console", (message) => {
        if (/frame-ancestors|Refused to frame/i.test(message.text())) refusals.push(message.text());
      });

      await page.goto(allowed.origin);
      const frame = page.frameLocator("#widget");
      assertEquals(await frame.locator("h1").innerText({ timeout: 10_000 }), "Framed lunch?");
      await frame.locator('[data-option="tacos"]').waitFor({ timeout: 10_000 });
      // The widget's stream is connected once htmx has loaded: then a vote moves its bar.
      await page.waitForTimeout(500);
      await fetch(`${server.url}/api/v1/ballots/${created.id}/votes`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ option: "tacos" }),
      }).then((response) => response.body?.cancel());
      await frame.locator('[data-option="tacos"][data-count="1"]').waitFor({ timeout: 10_000 });
      assertEquals(refusals, [], "the allowed origin is not refused");

      await page.goto(other.origin);
      await page.waitForTimeout(1_500);
      const widget = page.frames().find((f) => f !== page.mainFrame());
      const text = widget ? await widget.locator("body").innerText().catch(() => "") : "";
      assert(
        !text.includes("Framed lunch?"),
        `another origin shows nothing of the widget: ${text}`,
      );
      assert(
        widget?.url().startsWith("chrome-error:"),
        `Chromium blocked the frame: ${widget?.url()}`,
      );
      assert(
        refusals.some((text) => text.includes("frame-ancestors")),
        `Chromium reports the refusal: ${refusals.join(" | ")}`,
      );
    } finally {
      await browser.close();
      await server.close();
      await allowed.close();
      await other.close();
    }
  },
});
