/**
 * The limits of the runtime itself, measured with the same clients as Oponn:
 * a bare `Deno.serve` that answers every request with a fixed 204 (the HTTP
 * ceiling), and on `/sse` holds an event stream open the way Oponn's live
 * endpoint does (a ReadableStream body with one event), for the memory an idle
 * stream costs the runtime. Prints `listening PORT`.
 */
const FIRST_EVENT = new TextEncoder().encode(
  'retry: 2000\n\nid: 0\nevent: results\ndata: <div data-total="0"></div>\n\n',
);
const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();

Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen: ({ port }) => console.log(`listening ${port}`),
}, (request) => {
  if (request.method === "GET" && new URL(request.url).pathname === "/sse") {
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start(ctrl) {
        controller = ctrl;
        streams.add(ctrl);
        ctrl.enqueue(FIRST_EVENT);
      },
      cancel() {
        streams.delete(controller);
      },
    });
    return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
  }
  return new Response(null, { status: 204 });
});
