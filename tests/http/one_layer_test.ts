/**
 * The vote POST's one-layer path (routes/_one_layer.ts) answers exactly as the
 * whole middleware chain does: the same requests, sent to one server with it
 * and to the same server's app built without it, get the same status, headers
 * and body, accepted or refused for any reason.
 */
import { createApp } from "../../app.ts";
import { loadStaticAssets } from "../../lib/assets/static.ts";
import { assertEquals } from "../_support/assert.ts";
import { Client, readCounts } from "../_support/client.ts";
import { startTestServer } from "../_support/server.ts";

interface Answer {
  status: number;
  headers: string[];
  body: string;
}

/**
 * What a client sees, less what differs between two servers: their URL (and
 * its QR code), the clock, a newly minted cookie and token, and the random
 * key of a vote form served again.
 */
async function answerOf(response: Response, url: string): Promise<Answer> {
  let body = (await response.text()).replaceAll(url, "SELF")
    .replace(/<svg class="qr-code".*?<\/svg>/s, "QR")
    .replace(/&quot;now&quot;:&quot;[^&]*&quot;/g, "NOW")
    .replace(/name="vote_key" value="[0-9a-f]{32}"/g, 'name="vote_key" value="KEY"');
  // The length follows the body, whose QR code differs with the URL.
  let headers = [...response.headers].filter(([name]) =>
    name !== "date" && name !== "content-length"
  )
    .map(([name, value]) => `${name}: ${value}`);
  for (const minted of ["oponn_voter", "oponn_csrf_token"]) {
    const value = new RegExp(`set-cookie: ${minted}=([^;]+)`).exec(headers.join("\n"))?.[1];
    if (!value) continue;
    headers = headers.map((line) => line.replaceAll(value, minted.toUpperCase()));
    body = body.replaceAll(value, minted.toUpperCase());
  }
  return { status: response.status, headers, body };
}

Deno.test("the vote POST answers alike through the one-layer path and the whole chain", async () => {
  const server = await startTestServer();
  const chainOnly = await createApp(server.oponn.deps, await loadStaticAssets(), {
    oneLayer: false,
  });
  const chain = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    (request, info) => chainOnly.fetch(request, info),
  );
  const chainUrl = `http://127.0.0.1:${chain.addr.port}`;
  try {
    const owner = new Client(server.url);
    const open = await owner.createBallot({ measure: "Lunch?", options_raw: "tacos,pizza" });
    const once = await owner.createBallot({
      measure: "Once?",
      options_raw: "yes,no",
      duplicate_check: "browser",
    });
    const voter = new Client(server.url);
    await voter.open(`/vote/${open}`);
    const cookie = voter.cookieHeader();
    const token = voter.csrfToken;
    const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
    const base = {
      "content-type": "application/x-www-form-urlencoded",
      cookie,
      // Each server's own origin (replaced per target below).
      origin: "SELF",
    };
    // The first vote on `once` is taken here, so that both paths see a duplicate below.
    const first = await voter.post(`/vote/${once}`, { option: "yes" });
    assertEquals(first.status, 303);
    await first.body?.cancel();

    const cases: [string, string, Record<string, string>, string][] = [
      ["accepted, token in the form", open, base, form({ "X-CSRF-Token": token, option: "tacos" })],
      ["accepted, token in a header, htmx", open, {
        ...base,
        "x-csrf-token": token,
        "hx-request": "true",
      }, form({ option: "pizza" })],
      [
        "a duplicate on a one-per-browser ballot",
        once,
        base,
        form({
          "X-CSRF-Token": token,
          option: "no",
        }),
      ],
      ["an option the ballot lacks", open, base, form({ "X-CSRF-Token": token, option: "sushi" })],
      ["no option, htmx", open, { ...base, "hx-request": "true" }, form({ "X-CSRF-Token": token })],
      ["a wrong token", open, base, form({ "X-CSRF-Token": "x".repeat(43), option: "tacos" })],
      ["no token", open, base, form({ option: "tacos" })],
      [
        "another site's Origin",
        open,
        { ...base, origin: "https://evil.example" },
        form({
          "X-CSRF-Token": token,
          option: "tacos",
        }),
      ],
      [
        "Sec-Fetch-Site: cross-site",
        open,
        { ...base, "sec-fetch-site": "cross-site" },
        form({
          "X-CSRF-Token": token,
          option: "tacos",
        }),
      ],
      [
        "no cookie",
        open,
        { ...base, cookie: "" },
        form({ "X-CSRF-Token": token, option: "tacos" }),
      ],
      [
        "a forged cookie",
        open,
        { ...base, cookie: `oponn_voter=${"A".repeat(22)}.${"B".repeat(22)}` },
        form({
          "X-CSRF-Token": token,
          option: "tacos",
        }),
      ],
      ["a body that is not a form", open, {
        ...base,
        "content-type": "application/json",
        "x-csrf-token": token,
      }, "{}"],
      ["a broken escape in the form", open, base, `X-CSRF-Token=${token}&option=%zz`],
      [
        "an unknown ballot",
        "NoSuchBallot0000",
        base,
        form({
          "X-CSRF-Token": token,
          option: "tacos",
        }),
      ],
    ];
    const statuses: number[] = [];
    for (const [name, ballotId, headers, body] of cases) {
      const answers: Answer[] = [];
      for (const url of [server.url, chainUrl]) {
        const response = await fetch(`${url}/vote/${ballotId}`, {
          method: "POST",
          headers: headers.origin === "SELF" ? { ...headers, origin: url } : headers,
          body,
          redirect: "manual",
        });
        answers.push(await answerOf(response, url));
      }
      assertEquals(answers[0], answers[1], name);
      statuses.push(answers[0].status);
    }
    assertEquals(statuses, [303, 204, 409, 400, 200, 403, 403, 403, 403, 403, 403, 415, 400, 404]);
    // Each accepted case counted once on each path.
    const counts = readCounts(await (await owner.get(`/results/${open}`)).text());
    assertEquals(counts, { tacos: 2, pizza: 2 });
  } finally {
    await chain.shutdown();
    await server.close();
  }
});

Deno.test("a vote refused past the one-layer path takes one token from its bucket, not two", async () => {
  const server = await startTestServer({ OPONN_RATE_LIMIT: "on" }, {
    limits: {
      requests: {
        vote: {
          session: { capacity: 4, perSecond: 0.001 },
          address: { capacity: 1000, perSecond: 1 },
        },
      },
    },
  });
  try {
    const owner = new Client(server.url);
    const id = await owner.createBallot({ measure: "Lunch?", options_raw: "tacos,pizza" });
    const voter = new Client(server.url);
    await voter.open(`/vote/${id}`);
    const statuses = [];
    // Three refused by the token check after the bucket, then one accepted, then the bucket is empty.
    for (const csrf of ["x".repeat(43), "y".repeat(43), "z".repeat(43), true, true]) {
      const response = await voter.post(`/vote/${id}`, { option: "tacos" }, { csrf });
      statuses.push(response.status);
      await response.body?.cancel();
    }
    assertEquals(statuses, [403, 403, 403, 303, 429]);
  } finally {
    await server.close();
  }
});
