import type { Ctx } from "./_context.ts";
import { errorPage } from "./_render.tsx";

export default function notFound(c: Ctx): Response {
  return errorPage(c, 404, "not_found", "No ballot or page lives at this address.");
}
