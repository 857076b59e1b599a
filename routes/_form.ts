/** Reading a form body defensively: any malformed body is a 400, never a 500. */
import { HTTPException } from "hono/http-exception";
import type { Ctx } from "./_context.ts";

export type FormBody = Record<string, string | File | (string | File)[]>;

export async function readForm(c: Ctx): Promise<FormBody> {
  const type = c.req.header("content-type") ?? "";
  if (
    !type.startsWith("application/x-www-form-urlencoded") && !type.startsWith("multipart/form-data")
  ) {
    throw new HTTPException(415, { message: "Send the form as application/x-www-form-urlencoded" });
  }
  try {
    if (type.startsWith("application/x-www-form-urlencoded")) {
      return parseUrlEncoded(await c.req.arrayBuffer());
    }
    return await c.req.parseBody({ all: true }) as FormBody;
  } catch {
    throw new HTTPException(400, { message: "The form could not be read" });
  }
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Stricter than a lenient parser: invalid UTF-8 or broken percent-encoding is a
 * 400 (a browser never sends either), not mojibake or a stray `%` stored in a
 * ballot. Keys land on a prototype-less object, so `__proto__` is just a name.
 */
function parseUrlEncoded(bytes: ArrayBuffer): FormBody {
  const body: FormBody = Object.create(null);
  for (const pair of strictUtf8.decode(bytes).split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const key = decodeURIComponent((eq < 0 ? pair : pair.slice(0, eq)).replaceAll("+", " "));
    const value = eq < 0 ? "" : decodeURIComponent(pair.slice(eq + 1).replaceAll("+", " "));
    const existing = body[key];
    body[key] = existing === undefined
      ? value
      : Array.isArray(existing)
      ? [...existing, value]
      : [existing, value];
  }
  return body;
}

/** The first text value of a field; repeated fields keep the first, files count as empty. */
export function field(body: FormBody, name: string): string {
  const value = body[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === "string" ? first : "";
}
