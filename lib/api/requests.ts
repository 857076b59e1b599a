/**
 * Reading an API request body: JSON only, checked against its schema, then
 * handed to the same rules as the HTML form (as the form's own fields), so a
 * value the form would refuse is refused here with the form's message.
 */
import type { z } from "zod";
import type { CreateBallotForm } from "../ballots/rules.ts";
import type { SettingsForm } from "../ballots/settings.ts";
import type { VoteForm } from "../votes/rules.ts";
import { apiError, fieldErrors, type FieldMessage } from "./errors.ts";
import type { CreateBallotRequest, VoteRequest } from "./schemas.ts";

export type Parsed<T> = { ok: true; value: T } | { ok: false; response: Response };

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** 415 unless JSON, 400 for bytes that are not UTF-8 JSON or do not fit `schema`. */
export async function readJson<T>(request: Request, schema: z.ZodType<T>): Promise<Parsed<T>> {
  const type = (request.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json") {
    return refuse(apiError(415, "unsupported_media_type", "Send the body as application/json."));
  }
  let raw: unknown;
  try {
    raw = JSON.parse(strictUtf8.decode(await request.arrayBuffer()));
  } catch {
    return refuse(apiError(400, "malformed_json", "The body is not valid JSON."));
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return refuse(apiError(400, "invalid_request", "The body must be a JSON object."));
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  const errors = parsed.error.issues.map((issue) => shapeMessage(raw, issue));
  return refuse(fieldErrors("invalid_request", errors));
}

function refuse(response: Response): { ok: false; response: Response } {
  return { ok: false, response };
}

/** Types only reach here (the rules check values): "x is required" or "x must be a string". */
function shapeMessage(body: unknown, issue: z.core.$ZodIssue): FieldMessage {
  const field = issue.path.map(String).join(".") || "body";
  if (issue.code !== "invalid_type") {
    return { field, message: sentence(`${field}: ${issue.message}`) };
  }
  let value: unknown = body;
  for (const key of issue.path) value = (value as Record<PropertyKey, unknown>)?.[key];
  if (value === undefined) return { field, message: `${field} is required.` };
  const expected = issue.expected === "array" ? "an array" : `a ${issue.expected}`;
  return { field, message: `${field} must be ${expected}.` };
}

/** A message as the others read: ending with a full stop. */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** API field names where the form's differ. */
const API_FIELD: Record<string, string> = { options_raw: "options" };

/** In the order a client reads them: the first is the error's `field`. */
const FIELD_ORDER = [
  "measure",
  "options",
  "kind",
  "max_choices",
  "allow_write_in",
  "start_time_type",
  "scheduled_start_time",
  "duration_mins",
  "end_type",
  "end_time",
  "time_zone",
  "duplicate_check",
  "voter_codes",
  "listing",
  "results_visibility",
];

export interface CreateForms {
  form: CreateBallotForm;
  settings: SettingsForm;
}

/** The JSON body as the create form would send it; a field left out keeps the original's behaviour. */
export function createFormsOf(body: CreateBallotRequest): CreateForms {
  return {
    form: {
      measure: body.measure,
      // One option per item, as the form's repeated `options` fields: a comma is just a comma.
      options: body.options,
      options_raw: "",
      kind: body.kind ?? "",
      max_choices: numberField(body.max_choices),
      allow_write_in: body.allow_write_in ?? false,
      start_time_type: body.start_time_type ?? "now",
      scheduled_start_time: body.scheduled_start_time ?? "",
      tz_offset_mins: "",
      duration_mins: numberField(body.duration_mins),
      end_type: body.end_type ?? "",
      end_time: body.end_time ?? "",
      time_zone: body.time_zone ?? "",
    },
    settings: {
      duplicate_check: body.duplicate_check ?? "",
      voter_codes: numberField(body.voter_codes),
      listing: body.listing ?? "",
      results_visibility: body.results_visibility ?? "",
    },
  };
}

function numberField(value: number | undefined): string {
  return value === undefined ? "" : String(value);
}

/** The create rules' errors under the API's field names, in `FIELD_ORDER`. */
export function createErrors(errors: Partial<Record<string, string>>): Response {
  const list = Object.entries(errors)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([field, message]) => ({ field: API_FIELD[field] ?? field, message }))
    .sort((a, b) => rank(a.field) - rank(b.field));
  return fieldErrors("invalid_ballot", list);
}

function rank(field: string): number {
  const index = FIELD_ORDER.indexOf(field);
  return index < 0 ? FIELD_ORDER.length : index;
}

/**
 * The vote as the form would send it: a single ballot reads `option`, an
 * approval ballot `options` (or `option`), a ranked one `ranking`, each
 * through its kind's rules (lib/kinds).
 */
export function voteFormOf(body: VoteRequest): VoteForm & Pick<VoteRequest, "options" | "ranking"> {
  return {
    option: body.option ?? "",
    write_in_value: body.write_in_value ?? "",
    voter_code: body.voter_code ?? "",
    options: body.options,
    ranking: body.ranking,
  };
}
