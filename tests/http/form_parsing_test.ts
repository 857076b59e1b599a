/**
 * Issue 9, findings 1 and 8 (invalid UTF-8): cheap checks before the body is
 * parsed, parsing capped in fields, and bytes a browser never sends refused.
 */
import { assertEquals, assertStringIncludes } from "../_support/assert.ts";
import { Client } from "../_support/client.ts";
import { startTestServer } from "../_support/server.ts";

const REPEATED_KEY = "a&".repeat(32 * 1024 - 64);

Deno.test("a 64 KiB body of one repeated key is refused by its field count, not parsed at length", async () => {
  const server = await startTestServer();
  try {
    const client = new Client(server.url);
    const id = await client.createBallot({ measure: "Lunch?", options_raw: "tacos,pizza" });
    await client.open(`/vote/${id}`);
    const response = await fetch(`${server.url}/vote/${id}`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        cookie: client.cookieHeader(),
      },
      body: `X-CSRF-Token=${client.csrfToken}&option=tacos&${REPEATED_KEY}`,
    });
    assertEquals(response.status, 400);
    assertStringIncludes(await response.text(), "The form has too many fields (at most 500)");
  } finally {
    await server.close();
  }
});

Deno.test("a post from a browser without a signed cookie is refused before its body is read", async () => {
  const server = await startTestServer();
  try {
    const client = new Client(server.url);
    const id = await client.createBallot({ measure: "Lunch?", options_raw: "tacos,pizza" });
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // A body that would never end: the answer must come without reading it.
        if (++pulled > 1000) return controller.close();
        controller.enqueue(new TextEncoder().encode("a&".repeat(16)));
      },
    });
    const response = await fetch(`${server.url}/vote/${id}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    });
    assertEquals(response.status, 403);
    assertStringIncludes(await response.text(), "Invalid or Missing CSRF Token");
  } finally {
    await server.close();
  }
});

Deno.test("invalid UTF-8 in a multipart form is a 400 with a message, and nothing is stored", async () => {
  const server = await startTestServer();
  try {
    const client = new Client(server.url);
    await client.open("/create");
    const boundary = "----oponn-test";
    const encoder = new TextEncoder();
    const part = (name: string, value: Uint8Array<ArrayBuffer>) => [
      encoder.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`),
      value,
      encoder.encode("\r\n"),
    ];
    const body = new Blob([
      ...part("X-CSRF-Token", encoder.encode(client.csrfToken)),
      ...part("measure", new Uint8Array([0x4c, 0x75, 0xff, 0xfe, 0x6e, 0x63, 0x68])),
      ...part("options_raw", encoder.encode("a,b")),
      encoder.encode(`--${boundary}--\r\n`),
    ]);
    const response = await fetch(`${server.url}/create`, {
      method: "POST",
      headers: {
        "content-type": `multipart/form-data; boundary=${boundary}`,
        cookie: client.cookieHeader(),
      },
      body,
      redirect: "manual",
    });
    assertEquals(response.status, 400);
    assertStringIncludes(await response.text(), "The form is not valid UTF-8");
    assertEquals(server.oponn.deps.metrics.counters.ballots_created_total, 0);
  } finally {
    await server.close();
  }
});

Deno.test("a multipart form with more parts than the cap, or with files, is refused before it is parsed", async () => {
  const server = await startTestServer();
  try {
    const client = new Client(server.url);
    const id = await client.createBallot({ measure: "Lunch?", options_raw: "tacos,pizza" });
    await client.open(`/vote/${id}`);
    const boundary = "----oponn-parts";
    const post = (body: string) =>
      fetch(`${server.url}/vote/${id}`, {
        method: "POST",
        headers: {
          "content-type": `multipart/form-data; boundary=${boundary}`,
          cookie: client.cookieHeader(),
          "X-CSRF-Token": client.csrfToken,
        },
        body,
      });
    const part = (name: string, extra = "") =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${extra}\r\n\r\nx\r\n`;
    const many = await post(part("option").repeat(600) + `--${boundary}--\r\n`);
    assertEquals(many.status, 400);
    assertStringIncludes(await many.text(), "The form has too many fields (at most 500)");
    const files = await post(part("option", '; filename="a.txt"') + `--${boundary}--\r\n`);
    assertEquals(files.status, 400);
    assertStringIncludes(await files.text(), "The form must not carry files");
    assertEquals(server.oponn.deps.metrics.counters.votes_accepted_total, 0);
  } finally {
    await server.close();
  }
});
