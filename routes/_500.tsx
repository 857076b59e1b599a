import type { Ctx } from "./_context.ts";
import { errorPage } from "./_render.tsx";

export default function serverError(c: Ctx): Response {
  return errorPage(
    c,
    500,
    "internal_error",
    "Something went wrong on our side. Nothing was changed.",
  );
}
