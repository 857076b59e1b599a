/**
 * Real Chromium for the browser tests: Debian's `/usr/bin/chromium` driven by
 * playwright-core (which never downloads a browser of its own here). Every page
 * opened through `watch()` records console errors, uncaught exceptions, CSP
 * violations and dialogs, so a test can assert that a page stayed clean.
 */
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

const LAUNCH_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/** Why the browser tests cannot run here, or `null` when they can. */
export function skipReason(): string | null {
  try {
    return Deno.statSync(CHROMIUM).isFile ? null : `${CHROMIUM} is not a file`;
  } catch {
    return `${CHROMIUM} is missing (apt-get install -y chromium)`;
  }
}

const reason = skipReason();
if (reason !== null) console.log(`browser tests skipped: ${reason}`);

/** `Deno.test` options shared by the browser suites: skipped without Chromium. */
export const browserTest = {
  ignore: reason !== null,
  // Chromium's pipes and the server's streams outlive a single step on purpose.
  sanitizeOps: false,
  sanitizeResources: false,
  sanitizeExit: false,
};

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS, timeout: 30_000 });
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** What went wrong on the pages of one context. */
export interface Trouble {
  consoleErrors: string[];
  pageErrors: string[];
  dialogs: string[];
  /** Responses with a 4xx or 5xx status (a missing asset, a refused form). */
  failedResponses: string[];
  /** Every request URL made by each page, in order. */
  requests: Map<Page, string[]>;
}

export interface WatchedContext {
  context: BrowserContext;
  trouble: Trouble;
  newPage(): Promise<Page>;
  /**
   * Fails when any page of this context logged an error, threw, opened a dialog or got a
   * 4xx/5xx response; `allow` lists what is the point of a test (a 404 page's own status).
   */
  assertClean(allow?: RegExp[]): void;
}

export async function watch(
  browser: Browser,
  options: BrowserContextOptions = {},
): Promise<WatchedContext> {
  const context = await browser.newContext({ viewport: DESKTOP, ...options });
  context.setDefaultTimeout(5_000);
  const trouble: Trouble = {
    consoleErrors: [],
    pageErrors: [],
    dialogs: [],
    failedResponses: [],
    requests: new Map(),
  };
  context.on("page", (page) => {
    const requests: string[] = [];
    trouble.requests.set(page, requests);
    page.on("request", (request) => requests.push(request.url()));
    page.on("response", (response) => {
      if (response.status() >= 400) {
        trouble.failedResponses.push(`${response.status()} ${response.url()}`);
      }
    });
    page.on("console", (message) => {
      if (message.type() === "error") {
        trouble.consoleErrors.push(`${page.url()}: ${message.text()}`);
      }
    });
    page.on("pageerror", (error) => trouble.pageErrors.push(`${page.url()}: ${error.message}`));
    page.on("dialog", (dialog) => {
      trouble.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      dialog.dismiss().catch(() => {});
    });
  });
  if (options.javaScriptEnabled !== false) {
    // Runs before any page script and outside the page's CSP, so violations are seen even
    // when Chromium would not log them.
    await context.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (event) => {
        console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
      });
    });
  }
  return {
    context,
    trouble,
    newPage: () => context.newPage(),
    assertClean(allow = []) {
      const allowed = (text: string) => allow.some((pattern) => pattern.test(text));
      const problems = [
        ...trouble.consoleErrors.filter((text) => !allowed(text)),
        ...trouble.pageErrors,
        ...trouble.dialogs,
        ...trouble.failedResponses.filter((text) => !allowed(text)),
      ];
      if (problems.length > 0) {
        throw new Error(`The pages were not clean:\n  ${problems.join("\n  ")}`);
      }
    },
  };
}

/** Requests of `page` whose URL contains `part`. */
export function requestsTo(watched: WatchedContext, page: Page, part: string): string[] {
  return (watched.trouble.requests.get(page) ?? []).filter((url) => url.includes(part));
}

/** Waits until `check` returns a truthy value, polling, and returns that value. */
export async function eventually<T>(
  check: () => Promise<T> | T,
  { timeoutMs = 2_000, what = "condition" }: { timeoutMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  do {
    last = await check();
    if (last) return last as NonNullable<T>;
    await new Promise((resolve) => setTimeout(resolve, 25));
  } while (Date.now() < deadline);
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(last)})`);
}

/** Marks the current document so a test can tell whether the page reloaded. */
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => {
    (globalThis as unknown as { __marker?: string }).__marker = "same-document";
  });
}

export async function sameDocument(page: Page): Promise<boolean> {
  return await page.evaluate(() =>
    (globalThis as unknown as { __marker?: string }).__marker === "same-document"
  );
}

/** Waits for htmx and the islands to have loaded (deferred scripts). */
export async function pageReady(page: Page): Promise<void> {
  await page.waitForFunction(() => "htmx" in globalThis);
}
