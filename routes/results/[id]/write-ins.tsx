/** `GET /results/:id/write-ins?page=N`: every write-in of a ballot, most votes first, paged. */
import type { Ballot } from "../../../lib/ballots/rules.ts";
import { shareOf, type WriteInPage } from "../../../lib/results/tally.ts";
import { ResultRow } from "../../../components/Results.tsx";
import type { Handlers } from "../../_context.ts";
import { page } from "../../_render.tsx";
import { visibilityOf } from "../../_reader.ts";
import notFound from "../../_404.tsx";

const PER_PAGE = 50;
/** Far past any real page (200 write-ins a ballot): a larger number is not a page. */
const PAGE_NUMBER = /^[1-9]\d{0,5}$/;

export const handlers: Handlers = {
  async GET(c) {
    const { oponn } = c.get("deps");
    const ballot = await oponn.getBallot(c.req.param("id")!);
    if (!ballot) return notFound(c);
    // Hidden results (SPEC section 6) keep every count here too: the results page says why.
    if (!visibilityOf(c, ballot).shown) return c.redirect(`/results/${ballot.id}`, 303);
    const asked = c.req.query("page") ?? "1";
    if (!PAGE_NUMBER.test(asked)) return notFound(c);
    const number = Number(asked);
    const writeIns = await oponn.readWriteIns(ballot.id, number, PER_PAGE);
    const pages = Math.max(1, Math.ceil(writeIns.writeIns / PER_PAGE));
    if (number > pages) return notFound(c);
    return page(
      c,
      `write-ins: ${ballot.measure}`,
      <WriteInsPage ballot={ballot} writeIns={writeIns} page={number} pages={pages} />,
    );
  },
};

interface WriteInsPageProps {
  ballot: Ballot;
  writeIns: WriteInPage;
  page: number;
  pages: number;
}

export default function WriteInsPage({ ballot, writeIns, page, pages }: WriteInsPageProps) {
  const base = `/results/${ballot.id}/write-ins`;
  return (
    <section class="ballot" aria-labelledby="write-ins-heading">
      <h1 id="write-ins-heading" class="prompt measure" dir="auto">
        {ballot.measure}
      </h1>
      <h2 class="prompt sub">write_ins</h2>
      <p class="results-total">
        write_ins: <strong>{writeIns.writeIns}</strong> · total_votes:{" "}
        <strong>{writeIns.total}</strong> · page {page} of {pages}
      </p>
      {writeIns.rows.length === 0
        ? <p class="empty">no_write_ins</p>
        : (
          <ol class="result-rows" start={(page - 1) * PER_PAGE + 1}>
            {writeIns.rows.map((row) => (
              <ResultRow
                key={row.label}
                line={{ ...row, share: shareOf(row.votes, writeIns.total) }}
              />
            ))}
          </ol>
        )}
      <nav class="page-links pager" aria-label="write-in pages">
        {page > 1 && <a href={`${base}?page=${page - 1}`} rel="prev">previous_page</a>}
        {page < pages && <a href={`${base}?page=${page + 1}`} rel="next">next_page</a>}
        <a href={`/results/${ballot.id}`}>back_to_results</a>
      </nav>
    </section>
  );
}
