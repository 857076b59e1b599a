import type { Handlers } from "./_context.ts";

/** The database (and Redis, when configured) answer: 200, else 503. */
export const handlers: Handlers = {
  async GET(c) {
    const { ready, draining } = c.get("deps");
    if (draining()) return c.text("draining", 503);
    return (await ready()) ? c.text("ready") : c.text("not ready", 503);
  },
};
