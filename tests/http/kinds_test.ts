/** SPEC section 7 over real HTTP: each kind's form, messages and counts (no JavaScript). */
import { assert, assertEquals, assertStringIncludes } from "../_support/assert.ts";
import { Client, readCounts } from "../_support/client.ts";
import { readRounds } from "../_support/rounds.ts";
import { startTestServer, type TestServer } from "../_support/server.ts";

let server: TestServer;

async function withServer(t: Deno.TestContext, steps: Record<string, () => Promise<void>>) {
  server = await startTestServer();
  try {
    for (const [name, fn] of Object.entries(steps)) await t.step(name, fn);
  } finally {
    await server.close();
  }
}

/** A fresh browser (own cookie) posting a vote; returns status and page. */
async function vote(id: string, form: Record<string, string | string[]>) {
  const client = new Client(server.url);
  await client.open(`/vote/${id}`);
  const response = await client.post(`/vote/${id}`, form);
  return { status: response.status, html: await response.text() };
}

async function results(id: string): Promise<string> {
  return await (await new Client(server.url).get(`/results/${id}`)).text();
}

const OPTIONS = ["alpha", "beta", "gamma"];

Deno.test("ballot kinds over HTTP", async (t) => {
  await withServer(t, {
    async "approval: checkboxes, the cap and the messages of the spec, shares of voters"() {
      const owner = new Client(server.url);
      const id = await owner.createBallot({
        measure: "Which days suit you?",
        options: OPTIONS,
        kind: "approval",
        max_choices: "2",
        allow_write_in: "on",
      } as unknown as Record<string, string>);
      const page = await (await owner.get(`/vote/${id}`)).text();
      assertEquals([...page.matchAll(/type="checkbox" name="option"/g)].length, 4);
      assertStringIncludes(page, "at most 2 options");

      const none = await vote(id, { option: [] as unknown as string });
      assertEquals(none.status, 400);
      assertStringIncludes(none.html, "Choose at least one option.");
      const three = await vote(id, { option: ["alpha", "beta", "gamma"] });
      assertEquals(three.status, 400);
      assertStringIncludes(three.html, "Choose at most 2 options.");
      // A write-in counts as one choice.
      const withWriteIn = await vote(id, {
        option: ["alpha", "beta", "__write_in__"],
        write_in_value: "delta",
      });
      assertEquals(withWriteIn.status, 400);
      assertStringIncludes(withWriteIn.html, "Choose at most 2 options.");

      assertEquals((await vote(id, { option: ["alpha", "beta"] })).status, 303);
      assertEquals((await vote(id, { option: ["alpha"] })).status, 303);
      assertEquals(
        (await vote(id, { option: ["gamma", "__write_in__"], write_in_value: "Delta!" })).status,
        303,
      );
      const html = await results(id);
      assertEquals(readCounts(html), { alpha: 2, beta: 1, gamma: 1, "Delta!": 1 });
      // Three voters: alpha's 2 is 66.7% of voters, although it is 40% of the 5 choices.
      assertStringIncludes(html, "voters: <strong>3</strong>");
      assert(/data-option="alpha" data-count="2">[\s\S]*?66\.7%/.test(html), "share of voters");
      assertStringIncludes(html, 'data-turnout="3"');
    },

    async "ranked: votes as `ranking` lists and as `rank_{i}` selects, rounds and winner"() {
      const owner = new Client(server.url);
      const id = await owner.createBallot({
        measure: "Where do we meet?",
        options_raw: OPTIONS.join(", "),
        kind: "ranked",
      });
      const page = await (await owner.get(`/vote/${id}`)).text();
      for (const i of [0, 1, 2]) assertStringIncludes(page, `name="rank_${i}"`);

      const empty = await vote(id, { rank_0: "", rank_1: "", rank_2: "" });
      assertEquals(empty.status, 400);
      assertStringIncludes(empty.html, "Rank at least one option.");
      const twice = await vote(id, { rank_0: "1", rank_1: "1", rank_2: "" });
      assertEquals(twice.status, 400);
      assertStringIncludes(twice.html, "Each rank can be used once.");
      const noRanking = await vote(id, {});
      assertStringIncludes(noRanking.html, "Rank at least one option.");
      const unknown = await vote(id, { ranking: ["alpha", "omega"] });
      assertEquals(unknown.status, 400);

      // First preferences: alpha 2, beta 2, gamma 1 (gamma goes; its ballot moves to beta).
      assertEquals((await vote(id, { ranking: ["alpha"] })).status, 303);
      assertEquals((await vote(id, { ranking: ["alpha", "beta"] })).status, 303);
      assertEquals((await vote(id, { rank_1: "1", rank_0: "2" })).status, 303);
      assertEquals((await vote(id, { rank_0: "", rank_1: "1", rank_2: "" })).status, 303);
      assertEquals((await vote(id, { rank_2: "1", rank_1: "3" })).status, 303);

      const html = await results(id);
      assertEquals(readRounds(html), [
        { alpha: 2, beta: 2, "gamma!": 1 },
        { beta: 3, alpha: 2 },
      ]);
      assertStringIncludes(html, 'data-winner="beta"');
      assertStringIncludes(html, "fewer first preferences");
      assertStringIncludes(html, 'data-exhausted="0"');
      assertStringIncludes(html, 'data-turnout="5"');
    },

    async "options arrive one per field (a comma is just a comma), options_raw still works"() {
      const owner = new Client(server.url);
      const id = await owner.createBallot({
        measure: "Pick a snack",
        options: ["salt, vinegar", "cheese", ""],
      } as unknown as Record<string, string>);
      const page = await (await owner.get(`/vote/${id}`)).text();
      assertStringIncludes(page, 'value="salt, vinegar"');
      assertStringIncludes(page, 'type="radio" name="option"');
      const bad = await new Client(server.url).post("/create", {
        measure: "Kinds",
        options_raw: "a, b",
        kind: "plurality",
      });
      assertEquals(bad.status, 200);
      assertStringIncludes(await bad.text(), "Kind must be single, approval or ranked.");
    },

    async "the create form: kinds, option rows, and more rows without JavaScript"() {
      const client = new Client(server.url);
      const page = await client.open("/create");
      for (const kind of ["single", "approval", "ranked"]) {
        assertStringIncludes(page, `name="kind" value="${kind}"`);
      }
      const rows = [...page.matchAll(/name="options"/g)].length;
      assert(rows >= 4, `${rows} empty rows`);
      const more = await client.post("/create", {
        measure: "Not yet",
        options: ["kept, with a comma", "", "", ""],
        more_options: "5",
      });
      assertEquals(more.status, 200);
      const html = await more.text();
      assertEquals([...html.matchAll(/name="options"/g)].length, 9);
      assertStringIncludes(html, 'value="kept, with a comma"');
      assertEquals(await server.oponn.deps.oponn.countBallots(), 3, "nothing created");
    },

    async "an HTMX vote refused on a ranked ballot swaps the form with the message (200)"() {
      const owner = new Client(server.url);
      const id = await owner.createBallot({
        measure: "Order",
        options_raw: "x, y",
        kind: "ranked",
      });
      const client = new Client(server.url);
      await client.open(`/vote/${id}`);
      const response = await client.post(`/vote/${id}`, { rank_0: "2", rank_1: "2" }, {
        htmx: true,
      });
      assertEquals(response.status, 200);
      const fragment = await response.text();
      assertStringIncludes(fragment, "Each rank can be used once.");
      assert(!fragment.includes("<html"), "the fragment alone");
      assertStringIncludes(fragment, 'data-island="RankedBallot"');
    },
  });
});
