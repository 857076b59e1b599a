import { type CreateBallotForm, emptyCreateForm } from "../lib/ballots/rules.ts";
import { SAFER_SETTINGS, type SettingsField, type SettingsForm } from "../lib/ballots/settings.ts";
import type { CreateField } from "../lib/ballots/rules.ts";
import { CreateForm } from "../components/CreateForm.tsx";
import type { Handlers, RouteRulesByMethod } from "./_context.ts";
import { field, fields, readForm } from "./_form.ts";
import { isHtmx, page, pageOrFragment, redirectAfterPost } from "./_render.tsx";
import { codesPage } from "./manage/_manage.tsx";

export const rules: RouteRulesByMethod = { POST: { limit: "create" } };

export const handlers: Handlers = {
  GET(c) {
    return page(
      c,
      "new_ballot",
      <CreatePage
        form={emptyCreateForm}
        settings={SAFER_SETTINGS}
        errors={{}}
        csrfToken={c.var.csrfToken}
      />,
    );
  },

  async POST(c) {
    const body = await readForm(c);
    const form: CreateBallotForm = {
      measure: field(body, "measure"),
      options_raw: field(body, "options_raw"),
      allow_write_in: field(body, "allow_write_in") === "on",
      start_time_type: field(body, "start_time_type") || "now",
      scheduled_start_time: field(body, "scheduled_start_time"),
      tz_offset_mins: field(body, "tz_offset_mins"),
      duration_mins: field(body, "duration_mins"),
      kind: field(body, "kind"),
      max_choices: field(body, "max_choices"),
      options: fields(body, "options"),
    };
    // A field left out keeps the original's behaviour; the form sends the safer choices.
    const settings: SettingsForm = {
      duplicate_check: field(body, "duplicate_check"),
      voter_codes: field(body, "voter_codes"),
      // The form sends a hidden `unlisted` before the checkbox's `listed`: the last one wins.
      listing: fields(body, "listing").at(-1) ?? "",
      results_visibility: field(body, "results_visibility"),
    };
    const { oponn, metrics } = c.var.deps;
    // Without JavaScript, "more rows" submits the form: send it back with five empty rows more.
    if (field(body, "more_options") !== "") {
      const more = {
        ...form,
        options: [...(form.options ?? []), "", "", "", "", ""].slice(0, 100),
      };
      const props = { form: more, settings, errors: {}, csrfToken: c.var.csrfToken };
      return pageOrFragment(
        c,
        "new_ballot",
        isHtmx(c) ? <CreateForm {...props} /> : <CreatePage {...props} />,
      );
    }
    const created = await oponn.createBallot(form, settings, c.var.voterId);
    if (created.ok) {
      metrics.inc("ballots_created_total");
      const { ballot, codes } = created.value;
      // Voter codes exist only in this response: show them now rather than redirect.
      if (codes.length > 0) return codesPage(c, ballot, codes, `/manage/${ballot.id}`);
      return redirectAfterPost(c, `/vote/${ballot.id}`);
    }
    const props = { form, settings, errors: created.errors, csrfToken: c.var.csrfToken };
    return pageOrFragment(
      c,
      "new_ballot",
      isHtmx(c) ? <CreateForm {...props} /> : <CreatePage {...props} />,
    );
  },
};

interface CreatePageProps {
  form: CreateBallotForm;
  settings: SettingsForm;
  errors: Partial<Record<CreateField | SettingsField, string>>;
  csrfToken: string;
}

export default function CreatePage(props: CreatePageProps) {
  return (
    <section aria-labelledby="create-heading">
      <h1 id="create-heading" class="prompt">new_ballot</h1>
      <CreateForm {...props} />
    </section>
  );
}
