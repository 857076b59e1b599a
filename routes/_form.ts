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
    return await c.req.parseBody({ all: true }) as FormBody;
  } catch {
    throw new HTTPException(400, { message: "The form could not be read" });
  }
}

/** The first text value of a field; repeated fields keep the first, files count as empty. */
export function field(body: FormBody, name: string): string {
  const value = body[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === "string" ? first : "";
}
