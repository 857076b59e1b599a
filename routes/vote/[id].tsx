import type { Ballot } from "../../lib/ballots/rules.ts";
import type { VoteField, VoteForm as VoteFormValues } from "../../lib/votes/rules.ts";
import type { VoteRefusal } from "../../lib/votes/rules.ts";
import { AlreadyVoted } from "../../components/AlreadyVoted.tsx";
import { BallotHeader } from "../../components/BallotHeader.tsx";
import { ManageLink } from "../../components/ManageLink.tsx";
import { ShareBox } from "../../components/ShareBox.tsx";
import { VoteForm } from "../../components/VoteForm.tsx";
import type { Ctx, Handlers, RouteRulesByMethod } from "../_context.ts";
import { fields, readForm } from "../_form.ts";
import { readerOf, rememberVote } from "../_reader.ts";
import { publicUrl } from "../_urls.ts";
import { errorPage, isHtmx, page, pageOrFragment, redirectAfterPost } from "../_render.tsx";
import {
  chooseVoteKey,
  newVoteKey,
  PROXY_REQUEST_ID_HEADER,
  VOTE_KEY_FIELD,
  VOTE_KEY_FIELD_MESSAGE,
  VOTE_KEY_HEADER,
  VOTE_KEY_MESSAGE,
} from "../../lib/votes/keys.ts";
import { ballotPreview } from "../../lib/share/preview.ts";
import notFound from "../_404.tsx";

export const rules: RouteRulesByMethod = { POST: { limit: "vote", oneLayer: true } };

const EMPTY: VoteFormValues = { option: "", write_in_value: "", voter_code: "" };

/** Plain (no-JS) requests get the status that names the refusal; HTMX always 200 to swap. */
const REFUSAL_STATUS: Record<VoteRefusal["kind"], number> = {
  invalid: 400,
  closed: 409,
  duplicate: 409,
  forbidden: 403,
};

export const handlers: Handlers = {
  async GET(c) {
    const ballot = await c.get("deps").oponn.getBallot(c.req.param("id")!);
    if (!ballot) return notFound(c);
    const preview = ballotPreview(ballot, publicUrl(c, `/vote/${ballot.id}`));
    return page(c, ballot.measure, votePage(c, ballot, EMPTY, {}), 200, preview);
  },

  async POST(c) {
    const { oponn, metrics } = c.get("deps");
    const ballot = await oponn.getBallot(c.req.param("id")!);
    if (!ballot) return notFound(c);
    const header = c.req.header(VOTE_KEY_HEADER);
    const body = await readForm(c);
    const key = chooseVoteKey({
      header,
      field: fields(body, VOTE_KEY_FIELD)[0],
      proxyRequestId: c.req.header(PROXY_REQUEST_ID_HEADER),
    });
    if (key === undefined) {
      const message = header === undefined ? VOTE_KEY_FIELD_MESSAGE : VOTE_KEY_MESSAGE;
      return errorPage(c, 400, "bad_request", message);
    }
    const form = oponn.readVoteForm(ballot, (name) => fields(body, name));
    const result = await oponn.castVote(ballot, form, c.get("voterId"), key);
    if (result.ok) {
      metrics.inc("votes_accepted_total");
      rememberVote(c, ballot.id, result.choice);
      return redirectAfterPost(c, `/results/${ballot.id}`);
    }
    metrics.inc("votes_refused_total");
    // The database said this browser already voted: remember it, so the page says so from now on.
    if (result.kind === "duplicate") rememberVote(c, ballot.id, "");
    const errors = { [result.field]: result.message };
    const props = {
      ballot,
      form,
      errors,
      csrfToken: c.get("csrfToken"),
      voteKey: newVoteKey(),
      now: oponn.now(),
    };
    return pageOrFragment(
      c,
      ballot.measure,
      isHtmx(c) ? <VoteForm {...props} /> : votePage(c, ballot, form, errors, true),
      { page: REFUSAL_STATUS[result.kind], fragment: 200 },
    );
  },
};

function votePage(
  c: Ctx,
  ballot: Ballot,
  form: VoteFormValues,
  errors: Partial<Record<VoteField, string>>,
  refused = false,
) {
  const reader = readerOf(c, ballot);
  const { oponn } = c.get("deps");
  return (
    <VotePage
      ballot={ballot}
      form={form}
      errors={errors}
      csrfToken={c.get("csrfToken")}
      voteKey={newVoteKey()}
      now={oponn.now()}
      shareUrl={publicUrl(c, `/vote/${ballot.id}`)}
      manageUrl={reader.isOwner
        ? publicUrl(c, `/manage/${ballot.id}/${oponn.manageKey(ballot.id)}`)
        : undefined}
      hasVoted={!refused && reader.hasVoted && ballot.duplicateCheck !== "none"}
    />
  );
}

interface VotePageProps {
  ballot: Ballot;
  form: VoteFormValues;
  errors: Partial<Record<VoteField, string>>;
  csrfToken: string;
  /** The form's idempotency key: new on every page served (lib/votes/keys.ts). */
  voteKey: string;
  now: Date;
  shareUrl: string;
  /** Shown to the owner only. */
  manageUrl?: string;
  /** This browser voted already on a one-vote ballot: say so instead of offering the form. */
  hasVoted: boolean;
}

export default function VotePage(props: VotePageProps) {
  const { ballot, shareUrl, manageUrl, hasVoted, ...formProps } = props;
  return (
    <section
      class="ballot"
      aria-labelledby="measure-heading"
      hx-ext="sse"
      sse-connect={`/ballots/${ballot.id}/live-results`}
    >
      <BallotHeader ballot={ballot} now={formProps.now} headingId="measure-heading" />
      {manageUrl && <ManageLink url={manageUrl} />}
      {hasVoted
        ? <AlreadyVoted ballotId={ballot.id} />
        : <VoteForm ballot={ballot} {...formProps} />}
      {!hasVoted && (
        <p class="page-links">
          <a href={`/results/${ballot.id}`}>view_results</a>
        </p>
      )}
      <ShareBox url={shareUrl} title={ballot.measure} />
    </section>
  );
}
