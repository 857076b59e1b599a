/**
 * `/results/{id}.csv` and `/results/{id}.json`: the results page's route
 * hands a dotted id here. The reader sees what the results page would show
 * them: while results are hidden from them, 403 with the reason.
 */
import { apiError } from "../../lib/api/errors.ts";
import { fullTally, resultsCsv } from "../../lib/api/exports.ts";
import { ballotJson, resultsJson } from "../../lib/api/representation.ts";
import { MAX_WRITE_INS } from "../../lib/votes/rules.ts";
import type { Ctx } from "../_context.ts";
import { visibilityOf } from "../_reader.ts";
import { publicUrl } from "../_urls.ts";

const EXPORT_NAME = /^(.+)\.(csv|json)$/;

/** `null` when the path is not an export's. */
export function exportOf(name: string): { id: string; format: "csv" | "json" } | null {
  const match = EXPORT_NAME.exec(name);
  return match ? { id: match[1], format: match[2] as "csv" | "json" } : null;
}

export async function exportResults(
  c: Ctx,
  wanted: { id: string; format: "csv" | "json" },
): Promise<Response> {
  const { oponn } = c.get("deps");
  const refuse = (status: number, code: string, message: string) =>
    wanted.format === "json"
      ? apiError(status, code, message)
      : c.text(message, status as 403, { "Cache-Control": "no-store" });
  const ballot = await oponn.getBallot(wanted.id);
  if (!ballot) return refuse(404, "not_found", "No ballot has this id.");
  const visibility = visibilityOf(c, ballot);
  if (!visibility.shown) return refuse(403, "results_hidden", visibility.reason);
  const now = oponn.now();
  const results = await oponn.readResults(ballot.id, true);
  if (!results) return refuse(404, "not_found", "No ballot has this id.");
  const { tally, turnout } = results;
  const writeIns = tally.more ? (await oponn.readWriteIns(ballot.id, 1, MAX_WRITE_INS)).rows : null;
  const full = fullTally(tally, writeIns);
  const headers = {
    // What the owner may see is in it: never kept by a shared cache.
    "Cache-Control": "private, no-store",
    "Content-Disposition": `attachment; filename="oponn-${ballot.id}.${wanted.format}"`,
  };
  if (wanted.format === "csv") {
    return c.body(resultsCsv(full), 200, { ...headers, "Content-Type": "text/csv; charset=utf-8" });
  }
  return c.json(
    {
      ballot: ballotJson(ballot, now, (path) => publicUrl(c, path)),
      results: resultsJson(ballot, visibility, full, turnout, now),
      exported_at: now.toISOString(),
    },
    200,
    headers,
  );
}
