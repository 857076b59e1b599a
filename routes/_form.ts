/**
 * Reading a form body defensively: linear in its size, capped in fields, parsed
 * once per request, and any malformed body is a 4xx with a message, never a 500.
 */
import { HTTPException } from "hono/http-exception";
import type { Ctx } from "./_context.ts";

export type FormBody = Record<string, string | File | (string | File)[]>;

/** Far above any form Oponn renders (a 100-option ranked ballot sends about 110 fields). */
export const MAX_FORM_FIELDS = 500;

const URLENCODED = "application/x-www-form-urlencoded";
const MULTIPART = "multipart/form-data";

export function isFormType(c: Ctx): boolean {
  const type = c.req.header("content-type") ?? "";
  return type.startsWith(URLENCODED) || type.startsWith(MULTIPART);
}

/** The parsed form, read on first use and kept for the rest of the request. */
export async function readForm(c: Ctx): Promise<FormBody> {
  const kept = c.get("form");
  if (kept) return kept;
  const form = await parseForm(c);
  c.set("form", form);
  return form;
}

async function parseForm(c: Ctx): Promise<FormBody> {
  const type = c.req.header("content-type") ?? "";
  if (!isFormType(c)) {
    throw new HTTPException(415, {
      message: "Send the form as application/x-www-form-urlencoded.",
    });
  }
  let bytes: ArrayBuffer;
  try {
    bytes = await c.req.arrayBuffer();
  } catch {
    throw new HTTPException(400, { message: "The form could not be read." });
  }
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw new HTTPException(400, { message: "The form is not valid UTF-8." });
  }
  if (!type.startsWith(URLENCODED)) refuseCostlyMultipart(type, text);
  const form = type.startsWith(URLENCODED)
    ? parseUrlEncoded(text)
    : await parseMultipart(c.req.raw, bytes);
  return form;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function tooManyFields(): HTTPException {
  return new HTTPException(400, {
    message: `The form has too many fields (at most ${MAX_FORM_FIELDS}).`,
  });
}

/**
 * Stricter than a lenient parser: broken percent-encoding is a 400 (a browser
 * never sends it), not a stray `%` stored in a ballot. Keys land on a
 * prototype-less object, so `__proto__` is just a name.
 */
function parseUrlEncoded(text: string): FormBody {
  const body: FormBody = Object.create(null);
  let fields = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf("&", start);
    if (end < 0) end = text.length;
    if (end > start) {
      if (++fields > MAX_FORM_FIELDS) throw tooManyFields();
      const pair = text.slice(start, end);
      const eq = pair.indexOf("=");
      add(
        body,
        decode(eq < 0 ? pair : pair.slice(0, eq)),
        eq < 0 ? "" : decode(pair.slice(eq + 1)),
      );
    }
    start = end + 1;
  }
  return body;
}

function decode(part: string): string {
  // Most names and many values need no decoding at all.
  if (part.indexOf("%") < 0 && part.indexOf("+") < 0) return part;
  try {
    return decodeURIComponent(part.replaceAll("+", " "));
  } catch {
    throw new HTTPException(400, { message: "The form has a broken %-escape." });
  }
}

/**
 * The platform's multipart parser builds every part (and a File for each file
 * part) before any cap could apply: count the parts and look for files in the
 * text first, one linear scan each.
 */
function refuseCostlyMultipart(type: string, text: string): void {
  const boundary = /boundary="?([^";]{1,200})"?/i.exec(type)?.[1];
  if (!boundary) throw new HTTPException(400, { message: "The form could not be read." });
  let parts = 0;
  for (
    let at = text.indexOf(`--${boundary}`);
    at >= 0;
    at = text.indexOf(`--${boundary}`, at + 1)
  ) {
    if (++parts > MAX_FORM_FIELDS + 1) throw tooManyFields();
  }
  if (/;\s*filename\*?=/i.test(text)) {
    throw new HTTPException(400, { message: "The form must not carry files." });
  }
}

/** The body was already checked to be UTF-8, so the platform parser cannot invent U+FFFD. */
async function parseMultipart(request: Request, bytes: ArrayBuffer): Promise<FormBody> {
  let parts: FormData;
  try {
    parts = await new Request(request.url, {
      method: "POST",
      headers: { "content-type": request.headers.get("content-type")! },
      body: bytes,
    }).formData();
  } catch {
    throw new HTTPException(400, { message: "The form could not be read." });
  }
  const body: FormBody = Object.create(null);
  let fields = 0;
  for (const [name, value] of parts) {
    if (++fields > MAX_FORM_FIELDS) throw tooManyFields();
    add(body, name, value);
  }
  return body;
}

function add(body: FormBody, key: string, value: string | File): void {
  const existing = body[key];
  if (existing === undefined) body[key] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else body[key] = [existing, value];
}

/** The first text value of a field; repeated fields keep the first, files count as empty. */
export function field(body: FormBody, name: string): string {
  const value = body[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === "string" ? first : "";
}

/** Every text value of a repeated field, in order. */
export function fields(body: FormBody, name: string): string[] {
  const value = body[name];
  const all = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return all.filter((item): item is string => typeof item === "string");
}
