import type { Handlers } from "./_context.ts";

/** The process is alive. */
export const handlers: Handlers = {
  GET: (c) => c.text("ok"),
};
