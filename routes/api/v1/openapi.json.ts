/** `GET /api/v1/openapi.json`: the OpenAPI 3.1 document, made from the schemas the routes use. */
import { openApiDocument } from "../../../lib/api/openapi.ts";
import type { Handlers } from "../../_context.ts";

export const handlers: Handlers = {
  GET(c) {
    return c.json(openApiDocument(), 200, { "Cache-Control": "public, max-age=300" });
  },
};
