/**
 * Live times in real Chromium against a real Oponn in this process: the status
 * island counts down by itself (no request per tick), turns at the instant
 * with and without the live stream, never turns back when the stream's own
 * status arrives, and shows the instant in the reader's zone and language
 * (UTC, zone named, without JavaScript). Skipped without Chromium.
 */
import type { Browser, Page } from "playwright-core";
import { assert, assertEquals, assertMatch } from "../_support/assert.ts";
import { Client } from "../_support/client.ts";
import { startTestServer, type TestServer } from "../_support/server.ts";
import {
  browserTest,
  eventually,
  launchBrowser,
  pageReady,
  watch,
  type WatchedContext,
} from "./_browser.ts";

/** A status change seen in the page: its clock, the status, and whether the server's node still held it. */
interface Turn {
  at: number;
  status: string;
  original: boolean;
}

type Recorded = typeof globalThis & { __turns?: Turn[]; __sse?: Record<string, number> };

Deno.test({
  name: "Live times in Chromium: countdown, turning at the instant, the reader's own zone",
  ...browserTest,
  async fn(t) {
    const server = await startTestServer();
    const browser = await launchBrowser();
    try {
      const client = new Client(server.url);
      const endingSoon = await client.createBallot({
        measure: "One minute to decide",
        options_raw: "now, later",
        duration_mins: "1",
      });

      await t.step(
        "the countdown ticks each second in its last minute, with no request",
        async () => {
          const watched = await watchTimes(browser);
          const page = await watched.newPage();
          await page.goto(`${server.url}/vote/${endingSoon}`);
          await hydrated(page);
          const before = await page.textContent(".status-line .status-text");
          assertMatch(before ?? "", /^ends in \d+ seconds$/);
          // The server's node, marked: a swap by the stream would replace it.
          await page.evaluate(() => {
            (document.querySelector(".status-line .status-text") as HTMLElement).dataset.mark = "x";
          });
          const requestsBefore = requestsOf(watched, page).length;
          const started = Date.now();
          const after = await eventually(async () => {
            const text = await page.textContent(".status-line .status-text");
            return text !== null && text !== before ? text : null;
          }, { timeoutMs: 2_000, what: "the countdown to move" });
          assert(Date.now() - started <= 2_000, "changed within 2 s");
          assertMatch(after, /^ends in \d+ seconds$/);
          assert(seconds(after) < seconds(before!), `${before} → ${after}`);
          assertEquals(await page.locator(".status-text[data-mark=x]").count(), 1, "same node");
          assertEquals(requestsOf(watched, page).slice(requestsBefore), [], "no request per tick");
          watched.assertClean();
          await watched.context.close();
        },
      );

      await t.step(
        "the status turns at the instant, by itself and beside the live stream",
        async () => {
          // Both pages must be open before the start: on a slow machine, try again further ahead.
          let opened: Awaited<ReturnType<typeof openBeforeStart>> = null;
          for (let lead = 6_000; !opened && lead <= 48_000; lead *= 2) {
            opened = await openBeforeStart(browser, server, client, lead);
          }
          assert(opened, "the pages never opened before the ballot's start");
          const { voteContext, homeContext, vote, home, startsAt } = opened;
          const homeRequests = requestsOf(homeContext, home).length;
          const voteRequests = requestsOf(voteContext, vote).length;

          const wait = startsAt.getTime() - Date.now() + 3_000;
          await home.waitForFunction(
            () => (globalThis as Recorded).__turns!.length > 0,
            undefined,
            {
              timeout: wait,
            },
          );
          // The stream's own status and cast events come too: the button is theirs.
          await vote.waitForFunction(
            () => !(document.querySelector("#cast-vote") as HTMLButtonElement | null)?.disabled,
            undefined,
            { timeout: wait },
          );
          await vote.waitForTimeout(300);

          const voteTurns = await turns(vote);
          assert(voteTurns.length >= 1, "vote page turned");
          // The island and the stream's status agree: once active, never pending again.
          assert(
            voteTurns.every((turn) => turn.status === "active"),
            `never back to pending: ${JSON.stringify(voteTurns)}`,
          );
          assertOnTime(voteTurns[0], startsAt, "vote page");
          assertEquals(await vote.getAttribute(".status-line .status", "data-status"), "active");
          assertMatch(
            (await vote.textContent(".status-line .status-text")) ?? "",
            /^ends in 9 minutes$/,
          );
          assertEquals(
            requestsOf(voteContext, vote).slice(voteRequests),
            [],
            "vote page: the stream it had was enough",
          );

          const homeTurns = await turns(home);
          assertEquals(homeTurns.map((turn) => turn.status), ["active"], "home");
          assertOnTime(homeTurns[0], startsAt, "home (no stream)");
          assert(homeTurns[0].original, "home: turned by the island, in place");
          assertEquals(requestsOf(homeContext, home).slice(homeRequests), [], "home: no request");
          for (const watched of [voteContext, homeContext]) {
            watched.assertClean();
            await watched.context.close();
          }
        },
      );

      await t.step(
        "the end turns the status to voting closed on the page's own clock",
        async () => {
          const id = await client.createBallot({
            measure: "Another minute to decide",
            options_raw: "now, later",
            duration_mins: "1",
          });
          const watched = await watchTimes(browser);
          await watched.context.clock.install();
          const page = await watched.newPage();
          await page.goto(`${server.url}/vote/${id}`);
          await hydrated(page);
          const endsAt = new Date((await page.getAttribute(".status-line time", "datetime"))!);
          await recordTurns(page, ".status-line");
          // Jump to 5 s before the end in the page's clock only (the server still says active),
          // then let it run a second at a time. The island counts in the server's time as it
          // estimated it at load, which may differ from this fake clock by a second or two.
          await page.clock.pauseAt(endsAt.getTime() - 5_000);
          const texts: string[] = [];
          for (let step = 0; step < 9; step++) {
            texts.push((await page.textContent(".status-line .status-text")) ?? "");
            if (texts.at(-1) === "voting closed") break;
            await page.clock.runFor(1_000);
          }
          const counted = texts.slice(0, -1).map(seconds);
          assertEquals(texts.at(-1), "voting closed", texts.join(" → "));
          assert(counted.length >= 3, texts.join(" → "));
          assert(
            counted.every((n, i) => i === 0 || n === counted[i - 1] - 1),
            `one second a tick: ${texts.join(" → ")}`,
          );
          assertEquals(counted.at(-1), 0);
          assertEquals(await page.getAttribute(".status-line .status", "data-status"), "ended");
          assertMatch((await page.textContent(".status-line .status-at")) ?? "", /^ended /);
          const [turn] = await turns(page);
          assertEquals(turn.status, "ended");
          assert(turn.original, "turned by the island, not by the stream");
          assert(Math.abs(turn.at - endsAt.getTime()) <= 2_500, `${turn.at - endsAt.getTime()} ms`);
          watched.assertClean();
          await watched.context.close();
        },
      );

      await t.step(
        "the instant reads in the browser's zone and language; in UTC without JavaScript",
        async () => {
          // A whole hour two days ahead, so the hour and the date differ between the zones.
          const startsAt = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 48 * 3_600_000);
          const id = await client.createBallot({
            measure: "Which zone are you in?",
            options_raw: "east, west",
            start_time_type: "scheduled",
            scheduled_start_time: startsAt.toISOString(),
            duration_mins: "0",
          });
          const shown: string[] = [];
          for (
            const [timezoneId, locale] of [["America/New_York", "en-US"], ["Asia/Tokyo", "ja-JP"]]
          ) {
            const watched = await watchTimes(browser, { timezoneId, locale });
            const page = await watched.newPage();
            await page.goto(`${server.url}/vote/${id}`);
            await hydrated(page);
            const time = page.locator(".status-line time");
            assertEquals(await time.getAttribute("datetime"), startsAt.toISOString());
            assertEquals(await time.getAttribute("title"), utc(startsAt), "UTC on hover");
            assertEquals(
              await time.getAttribute("lang"),
              locale,
              "marked as the reader's language",
            );
            const text = ((await time.textContent()) ?? "").replace(/\s+/g, " ");
            for (const part of expectedParts(startsAt, locale, timezoneId)) {
              assert(text.includes(part), `${timezoneId}: "${text}" lacks "${part}"`);
            }
            assertMatch((await page.textContent(".status-line .status-at")) ?? "", /^starts /);
            shown.push(text);
            watched.assertClean();
            await watched.context.close();
          }
          assert(shown[0] !== shown[1], `the same text in both zones: ${shown}`);

          const noJs = await watchTimes(browser, {
            javaScriptEnabled: false,
            timezoneId: "Asia/Tokyo",
          });
          const page = await noJs.newPage();
          await page.goto(`${server.url}/vote/${id}`);
          assertEquals(
            await page.textContent(".status-line .status-at"),
            `starts ${utc(startsAt)}`,
          );
          assertMatch(
            (await page.textContent(".status-line .status-text")) ?? "",
            /^starts in 2 days$/,
          );
          noJs.assertClean();
          await noJs.context.close();
        },
      );
    } finally {
      await browser.close();
      await server.close();
    }
  },
});

/**
 * A ballot starting `lead` ms ahead, its vote page (live stream) and the home page (none)
 * open, hydrated and recording status changes; `null` when the start came first.
 */
async function openBeforeStart(browser: Browser, server: TestServer, client: Client, lead: number) {
  const startsAt = new Date(Math.ceil((Date.now() + lead) / 1_000) * 1_000);
  const id = await client.createBallot({
    measure: "Opens on the bell",
    options_raw: "ding, dong",
    start_time_type: "scheduled",
    scheduled_start_time: startsAt.toISOString(),
    duration_mins: "10",
  });
  // A context each: a page behind another tab's gets its timers throttled to once a second.
  const voteContext = await watchTimes(browser);
  const homeContext = await watchTimes(browser);
  const vote = await voteContext.newPage();
  const home = await homeContext.newPage();
  const onHome = `.ballot-item[data-ballot-id="${id}"]`;
  await vote.goto(`${server.url}/vote/${id}`);
  await home.goto(`${server.url}/`);
  await hydrated(vote);
  await hydrated(home, onHome);
  await recordTurns(vote, ".status-line");
  await recordTurns(home, onHome);
  const pending = await vote.getAttribute(".status-line .status", "data-status") === "pending" &&
    await home.getAttribute(`${onHome} .status`, "data-status") === "pending" &&
    Date.now() < startsAt.getTime() - 500;
  if (!pending) {
    for (const watched of [voteContext, homeContext]) {
      watched.assertClean();
      await watched.context.close();
    }
    return null;
  }
  return { voteContext, homeContext, vote, home, startsAt };
}

/** A watched context whose pages count the live stream's events by name. */
async function watchTimes(
  ...args: Parameters<typeof watch>
): Promise<WatchedContext> {
  const watched = await watch(...args);
  if (args[1]?.javaScriptEnabled !== false) {
    await watched.context.addInitScript(() => {
      const seen: Record<string, number> = {};
      (globalThis as Recorded).__sse = seen;
      document.addEventListener("htmx:sseMessage", (event) => {
        const type = (event as CustomEvent).detail?.type ?? "";
        seen[type] = (seen[type] ?? 0) + 1;
      });
    });
  }
  return watched;
}

/**
 * Waits until the status island in `scope` has mounted (its instant reads locally) and,
 * on a page with a live stream, until the stream's first status has replaced the server's.
 */
async function hydrated(page: Page, scope = ".status-line"): Promise<void> {
  await pageReady(page);
  if (await page.locator("[sse-connect]").count() > 0) {
    await page.waitForFunction(() => ((globalThis as Recorded).__sse?.status ?? 0) > 0);
  }
  await page.locator(`${scope} time[title]`).waitFor();
}

/** Records, in the page, each status change under `scope` from now on. */
async function recordTurns(page: Page, scope: string): Promise<void> {
  await page.evaluate((scope) => {
    const root = document.querySelector(scope)!;
    const original = root.querySelector(".status")!;
    const turns: Turn[] = [];
    (globalThis as Recorded).__turns = turns;
    let last = original.getAttribute("data-status");
    new MutationObserver(() => {
      const status = root.querySelector(".status")?.getAttribute("data-status") ?? "";
      if (status === last) return;
      last = status;
      turns.push({ at: Date.now(), status, original: original.isConnected });
    }).observe(root, { subtree: true, childList: true, attributes: true });
  }, scope);
}

async function turns(page: Page): Promise<Turn[]> {
  return await page.evaluate(() => (globalThis as Recorded).__turns ?? []);
}

/** At the instant or just after (timers run a little late on a busy machine), never before. */
function assertOnTime(turn: Turn, instant: Date, what: string): void {
  const late = turn.at - instant.getTime();
  assert(late >= 0 && late <= 1_000, `${what}: turned ${late} ms after the instant`);
}

function requestsOf(watched: WatchedContext, page: Page): string[] {
  return watched.trouble.requests.get(page) ?? [];
}

function seconds(text: string): number {
  return Number(/(\d+) seconds?/.exec(text)?.[1]);
}

function utc(at: Date): string {
  return `${at.toISOString().slice(0, 10)} ${at.toISOString().slice(11, 16)} UTC`;
}

/** The day, the hour:minute and the zone's short name, as that locale writes them in that zone. */
function expectedParts(at: Date, locale: string, timeZone: string): string[] {
  const parts = new Intl.DateTimeFormat(locale, {
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
    timeZone,
  }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  return [part("day"), `${part("hour")}:${part("minute")}`, part("timeZoneName")];
}
