import { type CreateBallotForm, emptyCreateForm, type FieldErrors } from "../lib/ballots/rules.ts";
import { CreateForm } from "../components/CreateForm.tsx";
import type { Handlers, RouteRulesByMethod } from "./_context.ts";
import { field, readForm } from "./_form.ts";
import { isHtmx, page, pageOrFragment, redirectAfterPost } from "./_render.tsx";

export const rules: RouteRulesByMethod = { POST: { limit: "create" } };

export const handlers: Handlers = {
  GET(c) {
    return page(
      c,
      "new_ballot",
      <CreatePage form={emptyCreateForm} errors={{}} csrfToken={c.var.csrfToken} />,
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
    };
    const { oponn, metrics } = c.var.deps;
    const created = await oponn.createBallot(form);
    if (created.ok) {
      metrics.inc("ballots_created_total");
      return redirectAfterPost(c, `/vote/${created.value.id}`);
    }
    const csrfToken = c.var.csrfToken;
    return pageOrFragment(
      c,
      "new_ballot",
      isHtmx(c)
        ? <CreateForm form={form} errors={created.errors} csrfToken={csrfToken} />
        : <CreatePage form={form} errors={created.errors} csrfToken={csrfToken} />,
    );
  },
};

interface CreatePageProps {
  form: CreateBallotForm;
  errors: FieldErrors;
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
