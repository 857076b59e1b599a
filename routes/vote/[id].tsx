import type { Ballot } from "../../lib/ballots/rules.ts";
import type { VoteField, VoteForm as VoteFormValues } from "../../lib/votes/rules.ts";
import { BallotHeader } from "../../components/BallotHeader.tsx";
import { ShareBox } from "../../components/ShareBox.tsx";
import { VoteForm } from "../../components/VoteForm.tsx";
import type { Ctx, Handlers, RouteRulesByMethod } from "../_context.ts";
import { field, readForm } from "../_form.ts";
import { publicUrl } from "../_urls.ts";
import { isHtmx, page, pageOrFragment, redirectAfterPost } from "../_render.tsx";
import notFound from "../_404.tsx";

export const rules: RouteRulesByMethod = { POST: { limit: "vote" } };

export const handlers: Handlers = {
  async GET(c) {
    const ballot = await c.var.deps.oponn.getBallot(c.req.param("id")!);
    if (!ballot) return notFound(c);
    return page(c, ballot.measure, votePage(c, ballot, { option: "", write_in_value: "" }, {}));
  },

  async POST(c) {
    const { oponn, metrics } = c.var.deps;
    const ballot = await oponn.getBallot(c.req.param("id")!);
    if (!ballot) return notFound(c);
    const body = await readForm(c);
    const form = { option: field(body, "option"), write_in_value: field(body, "write_in_value") };
    const result = await oponn.castVote(ballot, form);
    if (result.ok) {
      metrics.inc("votes_accepted_total");
      return redirectAfterPost(c, `/results/${ballot.id}`);
    }
    metrics.inc("votes_refused_total");
    const errors = { [result.field]: result.message };
    const props = { ballot, form, errors, csrfToken: c.var.csrfToken, now: oponn.now() };
    return pageOrFragment(
      c,
      ballot.measure,
      isHtmx(c) ? <VoteForm {...props} /> : votePage(c, ballot, form, errors),
      { page: result.kind === "closed" ? 409 : 400, fragment: 200 },
    );
  },
};

function votePage(
  c: Ctx,
  ballot: Ballot,
  form: VoteFormValues,
  errors: Partial<Record<VoteField, string>>,
) {
  return (
    <VotePage
      ballot={ballot}
      form={form}
      errors={errors}
      csrfToken={c.var.csrfToken}
      now={c.var.deps.oponn.now()}
      shareUrl={publicUrl(c, `/vote/${ballot.id}`)}
    />
  );
}

interface VotePageProps {
  ballot: Ballot;
  form: VoteFormValues;
  errors: Partial<Record<VoteField, string>>;
  csrfToken: string;
  now: Date;
  shareUrl: string;
}

export default function VotePage({ ballot, shareUrl, ...formProps }: VotePageProps) {
  return (
    <section
      class="ballot"
      aria-labelledby="measure-heading"
      hx-ext="sse"
      sse-connect={`/ballots/${ballot.id}/live-results`}
    >
      <BallotHeader ballot={ballot} now={formProps.now} headingId="measure-heading" />
      <VoteForm ballot={ballot} {...formProps} />
      <p class="page-links">
        <a href={`/results/${ballot.id}`}>view_results</a>
      </p>
      <ShareBox url={shareUrl} />
    </section>
  );
}
