/**
 * Oponn in real Chromium (Debian's /usr/bin/chromium driven by playwright-core)
 * against a real Oponn in this process on the embedded in-memory database.
 * One server and one browser serve every case, to keep the suite quick; the
 * cases themselves live in `_flows.ts` (behaviour) and `_look.ts` (axe and
 * screenshots). Without Chromium the test is ignored with a printed reason.
 */
import { startTestServer } from "../_support/server.ts";
import { browserTest, launchBrowser } from "./_browser.ts";
import {
  createThroughTheForm,
  keyboardOnly,
  liveResults,
  scheduledStart,
  withoutJavaScript,
  writeInAndEscaping,
} from "./_flows.ts";
import { Look, seedActiveBallot, seedPendingBallot } from "./_look.ts";

Deno.test({
  name: "Oponn in Chromium: live pages, forms with and without JavaScript, axe, screenshots",
  ...browserTest,
  async fn(t) {
    const server = await startTestServer();
    const browser = await launchBrowser();
    let look: Look | undefined;
    try {
      look = await Look.open(browser, server);
      const shots = look;
      await step(t, "dashboard, empty: axe and screenshots", () => shots.check("dashboard-empty"));
      const active = await seedActiveBallot(server);
      const pending = await seedPendingBallot(server);

      // The scheduled ballot spends ~8 s waiting for its start: the rest runs meanwhile, in
      // turn (more lanes at once only made a 2-core machine slower).
      const scheduled = step(
        t,
        "a start typed in New York local time is stored in UTC and opens the ballot by itself",
        () => scheduledStart(browser, server),
      );
      await inTurn(t, [
        [
          "a too-short measure shows its error in place; fixing it opens the vote page",
          () => createThroughTheForm(browser, server),
        ],
        [
          "a vote in one browser moves the other's count and bar live, over one SSE stream",
          () => liveResults(browser, server),
        ],
        [
          "with JavaScript off, create, vote and results work as plain forms",
          () => withoutJavaScript(browser, server),
        ],
        [
          "a write-in vote counts; an HTML option shows as text and runs nothing",
          () => writeInAndEscaping(browser, server),
        ],
        ["the vote page works from the keyboard alone", () => keyboardOnly(browser, server)],
      ]);
      await inTurn(t, [
        ["create: axe and screenshots", () => shots.check("create", shots.goto("/create"))],
        [
          "create with an error: axe and screenshots",
          () => shots.check("create-error", shots.createWithError()),
        ],
        ["dashboard: axe and screenshots", () => shots.check("dashboard")],
        [
          "vote, active: axe and screenshots",
          () => shots.check("vote-active", shots.goto(`/vote/${active}`)),
        ],
        [
          "vote, pending: axe and screenshots",
          () => shots.check("vote-pending", shots.goto(`/vote/${pending}`)),
        ],
        [
          "results: axe and screenshots",
          () => shots.check("results", shots.goto(`/results/${active}`)),
        ],
        ["not found: axe and screenshots", () => shots.check("not-found", shots.notFound())],
        ["the README's results screenshot is at most 120 KB", () => shots.readmeShot(active)],
        ["no page of the axe and screenshot tour logged an error", () => shots.assertClean()],
      ]);
      await scheduled;
    } finally {
      for (const line of look?.summaries() ?? []) console.log(line);
      await browser.close();
      await server.close();
    }
  },
});

/** Runs steps one after another. */
async function inTurn(
  t: Deno.TestContext,
  steps: [string, () => Promise<unknown> | void][],
): Promise<void> {
  for (const [name, fn] of steps) await step(t, name, async () => void await fn());
}

/** A step that may run beside others (Deno allows that only without sanitizers). */
function step(
  t: Deno.TestContext,
  name: string,
  fn: () => Promise<void>,
): Promise<boolean> {
  return t.step({ name, fn, sanitizeOps: false, sanitizeResources: false, sanitizeExit: false });
}
