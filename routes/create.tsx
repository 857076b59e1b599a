import { type CreateBallotForm, emptyCreateForm } from "../lib/ballots/rules.ts";
import { SAFER_SETTINGS, type SettingsField, type SettingsForm } from "../lib/ballots/settings.ts";
import type { CreateField } from "../lib/ballots/rules.ts";
import { CreateForm } from "../components/CreateForm.tsx";
import type { Handlers, RouteRulesByMethod } from "./_context.ts";
import { field, fields, readForm } from "./_form.ts";
import { isHtmx, page, pageOrFragment, redirectAfterPost } from "./_render.tsx";
import type { Ctx } from "./_context.ts";
import { getCookie, setCookie } from "hono/cookie";
import { isTimeZone } from "../lib/ballots/zones.ts";
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
        csrfToken={c.get("csrfToken")}
        rememberedZone={rememberedZone(c)}
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
      end_type: field(body, "end_type"),
      end_time: field(body, "end_time"),
      duration_amount: field(body, "duration_amount"),
      duration_unit: field(body, "duration_unit"),
      time_zone: field(body, "time_zone"),
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
    const { oponn, metrics } = c.get("deps");
    // Without JavaScript, "more rows" submits the form: send it back with five empty rows more.
    if (field(body, "more_options") !== "") {
      const more = {
        ...form,
        options: [...(form.options ?? []), "", "", "", "", ""].slice(0, 100),
      };
      const props = {
        form: more,
        settings,
        errors: {},
        csrfToken: c.get("csrfToken"),
        rememberedZone: rememberedZone(c),
      };
      return pageOrFragment(
        c,
        "new_ballot",
        isHtmx(c) ? <CreateForm {...props} /> : <CreatePage {...props} />,
      );
    }
    const created = await oponn.createBallot(form, settings, c.get("voterId"));
    if (created.ok) {
      metrics.inc("ballots_created_total");
      const { ballot, codes } = created.value;
      rememberZone(c, form.time_zone ?? "");
      // Voter codes exist only in this response: show them now rather than redirect.
      if (codes.length > 0) return codesPage(c, ballot, codes, `/manage/${ballot.id}`);
      return redirectAfterPost(c, `/vote/${ballot.id}`);
    }
    const props = {
      form,
      settings,
      errors: created.errors,
      csrfToken: c.get("csrfToken"),
      rememberedZone: rememberedZone(c),
    };
    return pageOrFragment(
      c,
      "new_ballot",
      isHtmx(c) ? <CreateForm {...props} /> : <CreatePage {...props} />,
    );
  },
};

/** The zone of this browser's last ballot: what a typed time means here when the form sends none. */
const ZONE_COOKIE = "oponn_tz";

function rememberedZone(c: Ctx): string {
  const zone = getCookie(c, ZONE_COOKIE) ?? "";
  return isTimeZone(zone) ? zone : "";
}

function rememberZone(c: Ctx, zone: string): void {
  if (zone === "" || !isTimeZone(zone) || zone === rememberedZone(c)) return;
  setCookie(c, ZONE_COOKIE, zone, {
    path: "/create",
    httpOnly: true,
    sameSite: "Lax",
    secure: c.get("deps").config.env === "production",
    maxAge: 400 * 86_400,
  });
}

interface CreatePageProps {
  form: CreateBallotForm;
  settings: SettingsForm;
  errors: Partial<Record<CreateField | SettingsField, string>>;
  csrfToken: string;
  rememberedZone?: string;
}

export default function CreatePage(props: CreatePageProps) {
  return (
    <section aria-labelledby="create-heading">
      <h1 id="create-heading" class="prompt">new_ballot</h1>
      <CreateForm {...props} />
    </section>
  );
}
