import type { Ballot } from "../lib/ballots/types.ts";
import { describedBy, FieldError } from "./FieldError.tsx";
import { BallotHeader } from "./BallotHeader.tsx";
import { ShareBox } from "./ShareBox.tsx";
import { VoterCodesInput } from "./VoterCodesInput.tsx";

export interface ManagePageProps {
  ballot: Ballot;
  now: Date;
  /** `/manage/{id}/{key}` or `/manage/{id}`: where the actions post. */
  base: string;
  shareUrl: string;
  csrfToken: string;
  /** The results block, always visible to the owner. */
  results: preact.ComponentChildren;
  errors: Partial<Record<"action" | "ends_at" | "voter_codes" | "confirm", string>>;
  ended: boolean;
  /** Set after a successful action, read out by screen readers. */
  notice?: string;
}

/** The live results widget's iframe, for the owner to paste into another site. */
function EmbedSnippet({ ballot, shareUrl }: { ballot: Ballot; shareUrl: string }) {
  const src = new URL(`/embed/${ballot.id}`, shareUrl).href;
  const title = `${ballot.measure}: live results`.replace(
    /[&<>"]/g,
    (char) => `&#${char.charCodeAt(0)};`,
  );
  const snippet =
    `<iframe src="${src}" title="${title}" width="100%" height="360" loading="lazy" style="border:0"></iframe>`;
  return (
    <div class="panel embed-snippet">
      <label for="embed-snippet">embed_snippet</label>
      <p class="hint">
        Paste into another site's page to show the results live. Sites may frame it only when the
        server's OPONN_EMBED_ORIGINS names their origin.
      </p>
      <textarea id="embed-snippet" readOnly rows={3} data-embed-snippet>{snippet}</textarea>
      <button type="button" class="btn" data-copy="#embed-snippet" hidden>copy</button>
    </div>
  );
}

/** The owner's page: status, turnout and results, the share link, and every action. */
export function ManagePage(props: ManagePageProps) {
  const { ballot, now, base, shareUrl, csrfToken, results, errors, ended, notice } = props;
  const token = <input type="hidden" name="X-CSRF-Token" value={csrfToken} />;
  return (
    <section class="ballot manage" aria-labelledby="manage-heading" id="manage">
      <BallotHeader ballot={ballot} now={now} headingId="manage-heading" />
      {notice && <p class="notice" role="status">{notice}</p>}
      <FieldError id="action-error" message={errors.action} />
      <h2 class="prompt sub">results</h2>
      <div id="results">{results}</div>
      <p class="page-links">
        <a href={`/vote/${ballot.id}`}>vote_page</a>
        <a href={`/results/${ballot.id}`}>results_page</a>
        <a href={`/results/${ballot.id}.csv`} download data-export="csv">export_csv</a>
        <a href={`/results/${ballot.id}.json`} download data-export="json">export_json</a>
      </p>
      <ShareBox url={shareUrl} title={ballot.measure} />
      <EmbedSnippet ballot={ballot} shareUrl={shareUrl} />
      <h2 class="prompt sub">actions</h2>
      <div class="manage-actions">
        {!ended && (
          <form class="panel form" method="post" action={`${base}/close`}>
            {token}
            <p>End voting now. Votes already cast stay counted.</p>
            <button type="submit" class="btn btn-primary">close_voting</button>
          </form>
        )}
        <form class="panel form" method="post" action={`${base}/end`}>
          {token}
          <label for="ends_at">
            new_end{" "}
            <span class="hint">(date and time, UTC unless your browser says otherwise)</span>
          </label>
          <input
            id="ends_at"
            name="ends_at"
            type="datetime-local"
            data-local-time
            {...describedBy("ends_at-error", errors.ends_at)}
          />
          <input type="hidden" name="tz_offset_mins" value="" data-tz-offset />
          <FieldError id="ends_at-error" message={errors.ends_at} />
          <button type="submit" class="btn">set_end</button>
        </form>
        {ballot.resultsVisibility === "manual" && !ballot.publishedAt && (
          <form class="panel form" method="post" action={`${base}/publish`}>
            {token}
            <p>Show the results to everyone.</p>
            <button type="submit" class="btn">publish_results</button>
          </form>
        )}
        {ballot.duplicateCheck === "code" && (
          <form class="panel form" method="post" action={`${base}/codes`}>
            {token}
            <label for="voter_codes">more_voter_codes</label>
            <VoterCodesInput error={errors.voter_codes} />
            <button type="submit" class="btn">issue_codes</button>
          </form>
        )}
        <form class="panel form danger" method="post" action={`${base}/delete`}>
          {token}
          <p>Delete this ballot and every vote on it. This cannot be undone.</p>
          <label for="confirm">
            type <code>delete</code> to confirm
          </label>
          <input
            id="confirm"
            name="confirm"
            type="text"
            autocomplete="off"
            {...describedBy("confirm-error", errors.confirm)}
          />
          <FieldError id="confirm-error" message={errors.confirm} />
          <button type="submit" class="btn btn-danger">delete_ballot</button>
        </form>
      </div>
    </section>
  );
}
