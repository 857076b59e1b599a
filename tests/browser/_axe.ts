/** axe-core, injected into a page by the test (never served by Oponn), and its verdict. */
import type { Page } from "playwright-core";
// Also what installs axe-core into node_modules (tests/_deps/axe_core.ts names the package).
import type { AxeResults } from "axe-core";

let cachedAxe: string | undefined;

/** The axe-core bundle from `node_modules` (installed for the type import above, locked in tests/deno.lock). */
export function axeSource(): string {
  cachedAxe ??= Deno.readTextFileSync(
    new URL("../../node_modules/axe-core/axe.min.js", import.meta.url),
  );
  return cachedAxe;
}

export type Impact = "minor" | "moderate" | "serious" | "critical";

export interface AxeViolation {
  id: string;
  impact: Impact | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** The shape of one axe violation, as axe-core types it. */
export type AxeViolationResult = AxeResults["violations"][number];

export interface AxeReport {
  page: string;
  violations: AxeViolation[];
  counts: Record<Impact, number>;
}

/** Runs axe on the page as it is now (WCAG 2.x A/AA and best practices). */
export async function runAxe(page: Page, name: string): Promise<AxeReport> {
  // Evaluated through the DevTools protocol, so the page's CSP (script-src 'self') does not apply.
  const injected = await page.evaluate(() => "axe" in globalThis);
  if (!injected) await page.evaluate(axeSource());
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as {
      axe: { run(context: unknown, options: unknown): Promise<{ violations: unknown[] }> };
    }).axe;
    const result = await axe.run(document, {
      runOnly: {
        type: "tag",
        values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
      },
      resultTypes: ["violations"],
    });
    return result.violations;
  }) as AxeViolation[];
  const counts: Record<Impact, number> = { minor: 0, moderate: 0, serious: 0, critical: 0 };
  for (const violation of violations) {
    if (violation.impact) counts[violation.impact] += violation.nodes.length;
  }
  return { page: name, violations, counts };
}

/** The serious and critical violations, one line per failing node. */
export function blocking(report: AxeReport): string[] {
  return report.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .flatMap((violation) =>
      violation.nodes.map((node) =>
        `${report.page}: [${violation.impact}] ${violation.id} (${violation.help}) at ${
          node.target.join(" ")
        }`
      )
    );
}

export function summary(report: AxeReport): string {
  const { minor, moderate, serious, critical } = report.counts;
  const ids = report.violations.map((violation) => `${violation.id}:${violation.impact}`);
  return `${report.page}: critical ${critical}, serious ${serious}, moderate ${moderate}, ` +
    `minor ${minor}${ids.length ? ` (${ids.join(", ")})` : ""}`;
}
