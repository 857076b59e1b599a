import { StartTimeInput } from "../../components/StartTimeInput.tsx";
import type { Handlers } from "../_context.ts";
import { fragment } from "../_render.tsx";

export const handlers: Handlers = {
  GET(c) {
    if (c.req.query("start_time_type") !== "scheduled") return c.body(null, 200);
    return fragment(c, <StartTimeInput />);
  },
};
