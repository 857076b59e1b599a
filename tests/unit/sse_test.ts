import { encodeEvent } from "../../lib/live/sse.ts";
import { assertEquals } from "../_support/assert.ts";

Deno.test("encodeEvent() writes id, event and one data line per line", () => {
  assertEquals(
    encodeEvent({ id: "3", event: "results", data: "<p>a</p>\n<p>b</p>" }),
    "id: 3\nevent: results\ndata: <p>a</p>\ndata: <p>b</p>\n\n",
  );
});

Deno.test("encodeEvent() cannot be split by newlines in id or event", () => {
  assertEquals(encodeEvent({ id: "1\n\ndata: x", data: "y" }), "id: 1data: x\ndata: y\n\n");
});
