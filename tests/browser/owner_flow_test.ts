/**
 * SPEC section 6 in real Chromium: the owner creates a ballot through the form,
 * copies the manage link, voters vote (one without JavaScript), someone else
 * closes the ballot through the link and the voters' pages show the winner;
 * a voter who has voted sees so instead of the form; and the new pages are
 * axe-clean, error-free and saved as screenshots at 1280×800 and 390×844.
 * One server (embedded database) and one browser serve every step.
 */
import type { Browser, Page } from "playwright-core";
import { assert, assertEquals, assertMatch } from "../_support/assert.ts";
import { Client } from "../_support/client.ts";
import { startTestServer, type TestServer } from "../_support/server.ts";
import {
  browserTest,
  DESKTOP,
  eventually,
  launchBrowser,
  markDocument,
  pageReady,
  sameDocument,
  watch,
} from "./_browser.ts";
import { summary } from "./_axe.ts";
import { Look } from "./_look.ts";

const VOTE_URL = /\/vote\/([A-Za-z0-9_-]{16})$/;

Deno.test({
  name:
    "Owners and voters in Chromium: manage link, close, winner, already voted, axe, screenshots",
  ...browserTest,
  async fn(t) {
    const server = await startTestServer();
    const browser = await launchBrowser();
    let look: Look | undefined;
    const timings: string[] = [];
    const timed = (name: string, fn: () => Promise<unknown>) =>
      t.step({
        name,
        sanitizeOps: false,
        sanitizeResources: false,
        sanitizeExit: false,
        async fn() {
          const started = performance.now();
          try {
            await fn();
          } finally {
            timings.push(`${Math.round(performance.now() - started)} ms  ${name}`);
          }
        },
      });
    try {
      let ended = "";
      let onlookerStillInvited = -1;
      await timed(
        "the owner creates with the defaults, copies the manage link; another browser closes through it; every open page shows the winner",
        async () => ({ id: ended, onlookerStillInvited } = await ownerFlow(
          browser,
          server,
          timings,
        )),
      );
      await timed(
        "an onlooker's open results page stops inviting to vote when the ballot is closed",
        () => {
          assertEquals(onlookerStillInvited, 0, "cast_a_vote links left on the open page");
          return Promise.resolve();
        },
      );
      await timed(
        "a voter sees vote_recorded with the choice, then you_have_voted instead of the form",
        () => alreadyVoted(browser, server),
      );
      look = await Look.open(browser, server);
      const tour = look;
      await timed(
        "tour: the create form with its settings",
        () => tour.check("owner-create", tour.goto("/create")),
      );
      // The tour's own browser creates a ballot, so it is the owner there.
      const page = tour.pages.get(DESKTOP)!;
      const id = await createAs(page, server, "Which room for the retro?");
      const manage = new URL(await page.getAttribute("[data-manage-link]", "href") ?? "");
      await timed(
        "tour: the owner's vote page with its manage link",
        () => tour.check("owner-vote-manage-link", tour.goto(`/vote/${id}`)),
      );
      await timed(
        "tour: the manage page",
        () => tour.check("owner-manage", tour.goto(manage.pathname)),
      );
      const other = await new Client(server.url).createBallot({
        measure: "Move standup to 10:00?",
        options_raw: "yes, no",
        duplicate_check: "browser",
      });
      await timed("tour: the already-voted page", async () => {
        await vote(page, server, other, "yes");
        await tour.check("owner-already-voted", tour.goto(`/vote/${other}`));
      });
      await timed(
        "tour: an ended ballot's results with the winner",
        () =>
          ended
            ? tour.check("owner-ended-results", tour.goto(`/results/${ended}`))
            : Promise.reject(new Error("no ended ballot")),
      );
      await timed("tour: axe finds nothing at any impact, and no page logged an error", () => {
        const found = tour.reports.filter((report) =>
          Object.values(report.counts).some((count) => count > 0)
        );
        assertEquals(found.map(summary), [], "axe violations of any impact");
        assertEquals(tour.reports.length, 10, "five pages at two sizes");
        tour.assertClean();
        return Promise.resolve();
      });
    } finally {
      for (const line of look?.summaries() ?? []) console.log(line);
      for (const line of timings) console.log(`time ${line}`);
      await browser.close();
      await server.close();
    }
  },
});

/** Fills and submits the create form, keeping its defaults; returns the new ballot's id. */
async function createAs(page: Page, server: TestServer, measure: string): Promise<string> {
  await page.goto(`${server.url}/create`);
  await pageReady(page);
  await page.fill("#measure", measure);
  await page.fill("#options_raw", "lisbon, kyoto, reykjavik");
  await page.click("#create-form button[type=submit]");
  await page.waitForURL(VOTE_URL);
  await pageReady(page);
  return VOTE_URL.exec(page.url())![1];
}

/** Votes through the page's form (HTMX or plain) and lands on the results. */
async function vote(page: Page, server: TestServer, id: string, option: string): Promise<void> {
  await page.goto(`${server.url}/vote/${id}`);
  await page.getByRole("radio", { name: option, exact: true }).check();
  await page.click("#cast-vote");
  await page.waitForURL(`**/results/${id}`);
}

/** Returns the id of the ballot it ended. */
/** The ended ballot's id, and how many cast_a_vote links the onlooker's open page kept. */
async function ownerFlow(
  browser: Browser,
  server: TestServer,
  timings: string[],
): Promise<{ id: string; onlookerStillInvited: number }> {
  const owner = await watch(browser);
  await owner.context.grantPermissions(["clipboard-read", "clipboard-write"], {
    origin: server.url,
  });
  const page = await owner.newPage();
  await page.goto(`${server.url}/create`);
  await pageReady(page);
  // The form preselects the safer settings.
  assert(await page.isChecked('input[name=duplicate_check][value="browser"]'), "one per browser");
  assert(await page.isChecked('input[name=results_visibility][value="always"]'), "always");
  assert(!(await page.isChecked("#listing")), "unlisted");
  const id = await createAs(page, server, "Where should the team offsite be?");
  const stored = await server.oponn.deps.oponn.getBallot(id);
  assertEquals(
    [stored?.duplicateCheck, stored?.resultsVisibility, stored?.listing],
    ["browser", "always", "unlisted"],
    "the form's defaults were stored",
  );

  // The manage link box: the URL, a note to keep it, and a copy button that copies it.
  const box = page.locator(".manage-link");
  const href = await box.locator("[data-manage-link]").getAttribute("href");
  assertMatch(href ?? "", new RegExp(`^${server.url}/manage/${id}/[A-Za-z0-9_-]{22,}$`));
  assertEquals(await box.locator("#manage-url").inputValue(), href);
  assertMatch((await box.textContent()) ?? "", /Keep this link private/);
  const copy = box.getByRole("button", { name: "copy" });
  await copy.click();
  // The button says so for 1.5 s, then offers itself again.
  await box.getByRole("button", { name: "copied" }).waitFor();
  const copied = await eventually(
    () => page.evaluate(() => navigator.clipboard.readText()),
    { what: "the clipboard to hold the manage link" },
  );
  assertEquals(copied, href, "the clipboard holds the manage URL");

  // The owner votes too; two other browsers vote, one without JavaScript.
  await vote(page, server, id, "kyoto");
  const withJs = await watch(browser);
  const voterA = await withJs.newPage();
  await voterA.goto(`${server.url}/vote/${id}`);
  await pageReady(voterA);
  assertEquals(await voterA.locator(".manage-link, [data-manage-link]").count(), 0, "not owner");
  await vote(voterA, server, id, "kyoto");
  const noJs = await watch(browser, { javaScriptEnabled: false });
  const voterB = await noJs.newPage();
  await vote(voterB, server, id, "lisbon");
  assertEquals(await voterB.textContent("[data-vote-recorded] strong"), "lisbon");
  for (const voter of [voterA, voterB]) {
    assertEquals(await voter.locator("[data-winner]").count(), 0, "no winner while open");
    assertEquals(await voter.getByRole("link", { name: "cast_a_vote" }).count(), 0);
  }
  // Someone who has not voted watches the results, invited to vote while it is open.
  const watching = await watch(browser);
  const onlooker = await watching.newPage();
  await onlooker.goto(`${server.url}/results/${id}`);
  assertEquals(await onlooker.getByRole("link", { name: "cast_a_vote" }).count(), 1);

  // The owner's own results page (after its vote) is the third live viewer.
  const viewers = [["owner", page], ["voter", voterA], ["onlooker", onlooker]] as const;
  for (const [, viewer] of viewers) await pageReady(viewer);
  await eventually(() => server.oponn.deps.hub.viewersOf(id) === 3, { what: "three viewers" });
  for (const [, viewer] of viewers) {
    await markDocument(viewer);
    await viewer.evaluate(() => {
      new MutationObserver(() => {
        const marked = globalThis as { __winnerAt?: number };
        if (document.querySelector('[data-winner="kyoto"]')) marked.__winnerAt ??= Date.now();
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
  }

  // The manage link, opened in a browser that is not the owner's, closes the ballot.
  const holder = await watch(browser);
  const manager = await holder.newPage();
  await manager.goto(copied);
  await pageReady(manager);
  assertEquals(await manager.textContent("h1"), "Where should the team offsite be?");
  const close = manager.getByRole("button", { name: "close_voting" });
  const closed = manager.waitForResponse((r) => r.request().method() === "POST");
  await close.click();
  // The ballot is closed before the response starts: from there to a viewer's screen is the lag.
  const timing = (await closed).request().timing();
  const closedAt = timing.startTime + Math.max(0, timing.responseStart);
  await manager.locator(".notice", { hasText: "Voting is closed." }).waitFor();
  assertEquals(await close.count(), 0, "close_voting is no longer offered");
  // Opened afresh (a reload would post the action again: the page is the POST's answer).
  await manager.goto(copied);
  assertEquals(await manager.getByRole("button", { name: "close_voting" }).count(), 0);
  assertEquals(await manager.getAttribute("[data-winner]", "data-winner"), "kyoto");

  for (const [name, viewer] of viewers) {
    const seenAt = await eventually(
      () => viewer.evaluate(() => (globalThis as { __winnerAt?: number }).__winnerAt),
      { timeoutMs: 3_000, what: `the ${name}'s page to show the winner` },
    );
    const lag = seenAt - closedAt;
    timings.push(`${Math.round(lag)} ms  from the close to the ${name}'s page showing the winner`);
    assert(lag < 1_000, `the ${name}'s page showed the winner ${lag} ms after the close`);
    assert(await sameDocument(viewer), `the ${name}'s page did not reload`);
    assertEquals(await viewer.getAttribute(".status", "data-status"), "ended");
    assertEquals(await viewer.locator("[data-winner]").count(), 1, "one winner");
    if (viewer !== onlooker) {
      assertEquals(await viewer.getByRole("link", { name: "cast_a_vote" }).count(), 0, name);
    }
  }
  // Judged in its own step (see the caller); a fresh load must not invite anyway.
  const onlookerStillInvited = await onlooker.getByRole("link", { name: "cast_a_vote" }).count();
  await onlooker.reload();
  assertEquals(await onlooker.getByRole("link", { name: "cast_a_vote" }).count(), 0, "reloaded");
  // Without JavaScript there is no live page: the next load shows the end.
  await voterB.reload();
  assertEquals(await voterB.getAttribute("[data-winner]", "data-winner"), "kyoto");
  assertEquals(await voterB.getByRole("link", { name: "cast_a_vote" }).count(), 0);
  assertMatch((await voterB.textContent(".status-line")) ?? "", /ended/);

  for (const watched of [owner, withJs, noJs, watching, holder]) {
    watched.assertClean();
    await watched.context.close();
  }
  return { id, onlookerStillInvited };
}

async function alreadyVoted(browser: Browser, server: TestServer): Promise<void> {
  const id = await new Client(server.url).createBallot({
    measure: "Tabs or spaces?",
    options_raw: "tabs, spaces",
    duplicate_check: "browser",
  });
  for (const javaScriptEnabled of [true, false]) {
    const watched = await watch(browser, { javaScriptEnabled });
    const page = await watched.newPage();
    await vote(page, server, id, "spaces");
    const recorded = page.locator("[data-vote-recorded]");
    assertMatch((await recorded.textContent()) ?? "", /^vote_recorded:\s*spaces$/);
    assertEquals(await recorded.getAttribute("role"), "status");
    await page.reload();
    assertEquals(await recorded.count(), 0, "vote_recorded is shown once");

    await page.goto(`${server.url}/vote/${id}`);
    const notice = page.locator("[data-already-voted]");
    assertEquals(await notice.locator(".prompt").textContent(), "you_have_voted");
    assertEquals(await page.locator("#vote-form, input[name=option], #cast-vote").count(), 0);
    await notice.getByRole("link", { name: "view_results" }).click();
    await page.waitForURL(`**/results/${id}`);
    watched.assertClean();
    await watched.context.close();
  }
}
