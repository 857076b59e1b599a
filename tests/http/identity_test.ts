/**
 * Issue 9, findings 5, 6, 8 (Host) and 9: the server-issued identity, the
 * same-origin check, addresses behind proxies, and what only operators see.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../_support/assert.ts";
import { Client, readCounts } from "../_support/client.ts";
import { startTestServer } from "../_support/server.ts";

async function tally(client: Client, id: string): Promise<Record<string, number>> {
  return readCounts(await (await client.get(`/results/${id}`)).text());
}

Deno.test("a self-made cookie and token pair cannot vote, and the server replaces the cookie", async () => {
  const server = await startTestServer();
  try {
    const owner = new Client(server.url);
    const id = await owner.createBallot({ measure: "Lunch?", options_raw: "tacos,pizza" });
    // Before: any cookie value was accepted when the field matched it.
    const invented = "A".repeat(22) + "." + "B".repeat(22);
    const response = await fetch(`${server.url}/vote/${id}`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        cookie: `oponn_voter=${invented}; oponn_csrf_token=${"C".repeat(43)}`,
        "X-CSRF-Token": "C".repeat(43),
      },
      body: "option=tacos",
      redirect: "manual",
    });
    assertEquals(response.status, 403);
    assertStringIncludes(await response.text(), "Invalid or Missing CSRF Token");
    const replaced = response.headers.getSetCookie().find((c) => c.startsWith("oponn_voter="));
    assert(replaced && !replaced.includes(invented), "the invented cookie is replaced");
    assertEquals((await tally(owner, id)).tacos, 0);
  } finally {
    await server.close();
  }
});

Deno.test("a token issued to another browser is refused", async () => {
  const server = await startTestServer();
  try {
    const alice = new Client(server.url);
    const bob = new Client(server.url);
    const id = await alice.createBallot({ measure: "Lunch?", options_raw: "tacos,pizza" });
    await bob.open(`/vote/${id}`);
    const response = await bob.post(`/vote/${id}`, { option: "tacos" }, { csrf: alice.csrfToken });
    assertEquals(response.status, 403);
    await response.body?.cancel();
    const own = await bob.post(`/vote/${id}`, { option: "tacos" });
    assertEquals(own.status, 303);
    assertEquals((await tally(alice, id)).tacos, 1);
  } finally {
    await server.close();
  }
});

Deno.test("a cross-site post is refused even with a valid cookie and token", async () => {
  const server = await startTestServer();
  try {
    const client = new Client(server.url);
    const id = await client.createBallot({ measure: "Lunch?", options_raw: "tacos,pizza" });
    const host = new URL(server.url).host;
    for (
      const headers of <Record<string, string>[]> [
        { origin: "http://evil.example" },
        { origin: `http://sibling.${host}` },
        { origin: "null" },
        { "sec-fetch-site": "cross-site" },
      ]
    ) {
      const response = await client.post(`/vote/${id}`, { option: "tacos" }, { headers });
      assertEquals(response.status, 403, JSON.stringify(headers));
      assertStringIncludes(await response.text(), "Cross-site form posts are refused.");
    }
    const same = await client.post(`/vote/${id}`, { option: "pizza" }, {
      headers: { origin: server.url, "sec-fetch-site": "same-origin" },
    });
    assertEquals(same.status, 303);
    assertEquals(await tally(client, id), { tacos: 0, pizza: 1 });
  } finally {
    await server.close();
  }
});

Deno.test("per-browser limits key on the signed identity, not on a cookie the client picks", async () => {
  const server = await startTestServer({ OPONN_RATE_LIMIT: "on" }, {
    limits: {
      requests: {
        vote: {
          session: { capacity: 2, perSecond: 0.001 },
          address: { capacity: 1000, perSecond: 100 },
        },
      },
    },
  });
  try {
    const client = new Client(server.url);
    const id = await client.createBallot({ measure: "Lunch?", options_raw: "tacos,pizza" });
    for (let i = 0; i < 2; i++) {
      const ok = await client.post(`/vote/${id}`, { option: "tacos" });
      assertEquals(ok.status, 303);
    }
    // Before: the bucket was keyed on the CSRF cookie, so a fresh value meant a fresh bucket.
    client.cookies.set("oponn_csrf_token", "Z".repeat(43));
    const limited = await client.post(`/vote/${id}`, { option: "tacos" });
    assertEquals(limited.status, 429);
    await limited.body?.cancel();
  } finally {
    await server.close();
  }
});

Deno.test("X-Forwarded-For from an unlisted peer does not open new address buckets", async () => {
  const limits = {
    vote: {
      session: { capacity: 100, perSecond: 100 },
      address: { capacity: 3, perSecond: 0.001 },
    },
  };
  const server = await startTestServer({ OPONN_RATE_LIMIT: "on" }, {
    limits: { requests: limits },
  });
  try {
    const owner = new Client(server.url);
    const id = await owner.createBallot({ measure: "Lunch?", options_raw: "tacos,pizza" });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const voter = new Client(server.url);
      await voter.open(`/vote/${id}`);
      const response = await voter.post(`/vote/${id}`, { option: "tacos" }, {
        headers: { "x-forwarded-for": `198.51.100.${i}` },
      });
      statuses.push(response.status);
      await response.body?.cancel();
    }
    assertEquals(statuses, [303, 303, 303, 429, 429]);
  } finally {
    await server.close();
  }
});

Deno.test("X-Forwarded-For is believed from a listed proxy", async () => {
  const limits = {
    vote: {
      session: { capacity: 100, perSecond: 100 },
      address: { capacity: 1, perSecond: 0.001 },
    },
  };
  const server = await startTestServer(
    { OPONN_RATE_LIMIT: "on", OPONN_TRUSTED_PROXIES: "127.0.0.1" },
    { limits: { requests: limits } },
  );
  try {
    const owner = new Client(server.url);
    const id = await owner.createBallot({ measure: "Lunch?", options_raw: "tacos,pizza" });
    const statuses: number[] = [];
    for (const address of ["198.51.100.1", "198.51.100.2", "198.51.100.1"]) {
      const voter = new Client(server.url);
      await voter.open(`/vote/${id}`);
      const response = await voter.post(`/vote/${id}`, { option: "tacos" }, {
        headers: { "x-forwarded-for": address },
      });
      statuses.push(response.status);
      await response.body?.cancel();
    }
    assertEquals(statuses, [303, 303, 429]);
  } finally {
    await server.close();
  }
});

/** Sends raw bytes, because fetch() refuses to send a malformed Host. */
async function rawRequest(url: string, head: string): Promise<string> {
  const { hostname, port } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  try {
    await conn.write(new TextEncoder().encode(head));
    const chunks: Uint8Array<ArrayBuffer>[] = [];
    const buffer = new Uint8Array(65536);
    while (true) {
      const read = await conn.read(buffer);
      if (read === null) break;
      chunks.push(buffer.slice(0, read));
    }
    return new TextDecoder().decode(await new Blob(chunks).arrayBuffer());
  } finally {
    try {
      conn.close();
    } catch { /* closed by the server */ }
  }
}

Deno.test("a malformed Host is a 400 with a message and never reaches a share link", async () => {
  const server = await startTestServer();
  try {
    const client = new Client(server.url);
    const id = await client.createBallot({ measure: "Lunch?", options_raw: "tacos,pizza" });
    for (const host of ["evil.example/<script>", "a b", "x@y", '"quoted"', "example.org:99999"]) {
      const answer = await rawRequest(
        server.url,
        `GET /vote/${id} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      );
      const status = Number(answer.split(" ")[1]);
      assert(status >= 400 && status < 500, `${host}: ${answer.slice(0, 40)}`);
      assertEquals(answer.includes("<script>"), false);
    }
    const good = await rawRequest(
      server.url,
      `GET /vote/${id} HTTP/1.1\r\nHost: vote.example:8443\r\nConnection: close\r\n\r\n`,
    );
    assertStringIncludes(good, `http://vote.example:8443/vote/${id}`);
  } finally {
    await server.close();
  }
});

Deno.test("share links use OPONN_PUBLIC_URL when it is set", async () => {
  const server = await startTestServer({ OPONN_PUBLIC_URL: "https://vote.example.org" });
  try {
    const client = new Client(server.url);
    const id = await client.createBallot({ measure: "Lunch?", options_raw: "tacos,pizza" });
    const html = await (await client.get(`/vote/${id}`)).text();
    assertStringIncludes(html, `https://vote.example.org/vote/${id}`);
  } finally {
    await server.close();
  }
});

Deno.test("/metrics answers loopback and OPONN_METRICS_ALLOW only; /readyz says no more than ready", async () => {
  const server = await startTestServer({ OPONN_METRICS_ALLOW: "192.0.2.0/24" });
  try {
    const from = (hostname: string) =>
      server.oponn.fetch(new Request(`${server.url}/metrics`), {
        remoteAddr: { transport: "tcp", hostname, port: 40000 },
        completed: Promise.resolve(),
      } as Deno.ServeHandlerInfo<Deno.NetAddr>);
    const local = await from("127.0.0.1");
    assertEquals(local.status, 200);
    assertStringIncludes(await local.text(), "oponn_votes_accepted_total");
    const allowed = await from("192.0.2.9");
    assertEquals(allowed.status, 200);
    await allowed.body?.cancel();
    const stranger = await from("198.51.100.7");
    assertEquals(stranger.status, 404);
    assertEquals((await stranger.text()).includes("oponn_"), false);
    const ready = await fetch(`${server.url}/readyz`);
    assertEquals(await ready.text(), "ready");
  } finally {
    await server.close();
  }
});

Deno.test("static files carry the security headers; pages with a token are private, no-store", async () => {
  const server = await startTestServer();
  try {
    const client = new Client(server.url);
    const html = await client.open("/create");
    const css = /href="(\/static\/app\.css[^"]*)"/.exec(html)![1];
    const asset = await fetch(server.url + css.replaceAll("&amp;", "&"));
    await asset.body?.cancel();
    assertEquals(asset.status, 200);
    assertMatch(asset.headers.get("content-security-policy") ?? "", /default-src 'self'/);
    assertEquals(asset.headers.get("x-content-type-options"), "nosniff");
    assertEquals(asset.headers.get("referrer-policy"), "same-origin");
    const page = await client.get("/create");
    await page.body?.cancel();
    assertEquals(page.headers.get("cache-control"), "private, no-store");
  } finally {
    await server.close();
  }
});

Deno.test("a vote's cookies: HttpOnly and SameSite=Lax, the choice scoped to its results and shown once", async () => {
  const server = await startTestServer();
  try {
    const voter = new Client(server.url);
    const id = await voter.createBallot({ measure: "Lunch?", options_raw: "tacos,pizza" });
    const vote = await voter.post(`/vote/${id}`, { option: "tacos" });
    await vote.body?.cancel();
    assertEquals(vote.status, 303);
    const cookies = vote.headers.getSetCookie();
    const voted = cookies.find((c) => c.startsWith("oponn_voted="));
    const choice = cookies.find((c) => c.startsWith("oponn_choice="));
    assert(voted && choice, `both cookies are set: ${cookies.join(" | ")}`);
    assertMatch(
      voted,
      /^oponn_voted=[\w~-]+\.[\w-]{22}; Max-Age=34560000; Path=\/; HttpOnly; SameSite=Lax$/,
    );
    assertEquals(
      choice,
      `oponn_choice=dGFjb3M; Max-Age=300; Path=/results/${id}; HttpOnly; SameSite=Lax`,
    );
    const results = await voter.get(`/results/${id}`);
    assertStringIncludes(await results.text(), "<bdi>tacos</bdi>");
    const again = await voter.get(`/results/${id}`);
    assertEquals((await again.text()).includes("data-vote-recorded"), false, "shown once");
  } finally {
    await server.close();
  }
});
