/**
 * `/results/{id}.csv` and `.json` (SPEC section 9): every option and write-in,
 * formula cells defused, hidden results refused with the reason (403) for
 * whoever may not see them, and linked from the results and manage pages.
 */
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotIncludes,
  assertStringIncludes,
} from "../_support/assert.ts";
import { Client } from "../_support/client.ts";
import { startTestServer } from "../_support/server.ts";

/** RFC 4180 rows: quoted cells may hold commas and doubled quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.split("\r\n").filter((line) => line !== "")) {
    const cells: string[] = [];
    const pattern = /("((?:[^"]|"")*)"|[^,]*)(,|$)/g;
    let match: RegExpExecArray | null;
    while ((match = pattern.exec(line)) !== null) {
      cells.push(match[2] !== undefined ? match[2].replaceAll('""', '"') : match[1]);
      if (match[3] === "") break;
    }
    rows.push(cells);
  }
  return rows;
}

async function manageLink(owner: Client, id: string): Promise<string> {
  const html = await (await owner.get(`/vote/${id}`)).text();
  const href =
    /<a[^>]*data-manage-link[^>]*href="([^"]+)"|<a[^>]*href="([^"]+)"[^>]*data-manage-link/
      .exec(html);
  const link = href?.[1] ?? href?.[2];
  assert(link, "the owner's vote page shows the manage link");
  return new URL(link).pathname;
}

Deno.test({
  name: "exports: CSV and JSON list every option and write-in, formula cells defused",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startTestServer();
    try {
      const owner = new Client(server.url);
      const id = await owner.createBallot({
        measure: "Injection?",
        options_raw: '=HYPERLINK("http://evil"; "x"), +1, -2, @SUM(A1), plain',
        allow_write_in: "on",
      });
      const voter = new Client(server.url);
      await voter.open(`/vote/${id}`);
      for (
        const [option, writeIn] of [["+1", ""], ["plain", ""], [
          "__write_in__",
          "=cmd|' /C calc'!A0",
        ]]
      ) {
        const response = await voter.post(`/vote/${id}`, { option, write_in_value: writeIn });
        await response.body?.cancel();
        assertEquals(response.status, 303);
      }
      // Twelve write-ins: more than the page lists one by one; the export lists all.
      for (let i = 0; i < 12; i++) {
        const response = await voter.post(`/vote/${id}`, {
          option: "__write_in__",
          write_in_value: `extra ${i}`,
        });
        await response.body?.cancel();
      }

      const csv = await fetch(`${server.url}/results/${id}.csv`);
      assertEquals(csv.status, 200);
      assertEquals(csv.headers.get("content-type"), "text/csv; charset=utf-8");
      assertMatch(
        csv.headers.get("content-disposition") ?? "",
        /attachment; filename="oponn-.+\.csv"/,
      );
      const rows = parseCsv(await csv.text());
      assertEquals(rows[0], ["option", "votes", "share_percent", "write_in"]);
      const byLabel = Object.fromEntries(rows.slice(1).map((row) => [row[0], row]));
      assertEquals(byLabel[`'=HYPERLINK("http://evil"; "x")`]?.[1], "0", "= defused");
      assertEquals(byLabel["'+1"]?.slice(1), ["1", "6.7", "false"], "+ defused, counted");
      assertEquals(byLabel["'-2"]?.[1], "0", "- defused");
      assertEquals(byLabel["'@SUM(A1)"]?.[1], "0", "@ defused");
      assertEquals(byLabel["plain"]?.[1], "1");
      const writeIn = rows.find((row) => row[0].includes("cmd"));
      assert(writeIn, "the write-in is exported");
      assert(writeIn[0].startsWith("'="), `a write-in is defused too: ${writeIn[0]}`);
      assertEquals(writeIn[3], "true");
      assertEquals(rows.length - 1, 5 + 13, "every option and every write-in, none summed");
      for (const row of rows.slice(1)) {
        assert(!/^[=+\-@]/.test(row[0]), `no cell starts a formula: ${row[0]}`);
      }

      const json = await fetch(`${server.url}/results/${id}.json`);
      assertEquals(json.status, 200);
      assertMatch(json.headers.get("content-type") ?? "", /^application\/json/);
      const data = await json.json();
      assertEquals(data.ballot.id, id);
      assertEquals(data.results.visible, true);
      assertEquals(data.results.total, 15);
      assertEquals(data.results.options.length, 18);
      assertEquals(data.results.more_write_ins, null);
      assertEquals(
        data.results.options.find((line: { label: string }) => line.label === "+1").count,
        1,
        "JSON keeps labels as they are (it is not a spreadsheet)",
      );

      // The page itself still works, with its write-ins page, and links the exports.
      const page = await voter.get(`/results/${id}`);
      const html = await page.text();
      assertEquals(page.status, 200);
      assertStringIncludes(html, `href="/results/${id}.csv"`);
      assertStringIncludes(html, `href="/results/${id}.json"`);
      assertEquals((await voter.get(`/results/${id}/write-ins`)).status, 200);
      const manage = await (await owner.get(await manageLink(owner, id))).text();
      assertStringIncludes(manage, `href="/results/${id}.csv"`);
      assertStringIncludes(manage, `href="/results/${id}.json"`);

      for (const path of ["AAAAAAAAAAAAAAAA.csv", "AAAAAAAAAAAAAAAA.json", `${id}.xml`]) {
        const missing = await fetch(`${server.url}/results/${path}`);
        await missing.body?.cancel();
        assertEquals(missing.status, 404, path);
      }
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name:
    "exports obey results visibility: 403 with the reason while hidden, the owner always gets them",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startTestServer();
    try {
      for (const visibility of ["after_close", "manual", "after_vote"]) {
        const owner = new Client(server.url);
        const id = await owner.createBallot({
          measure: "Secret lunch",
          options_raw: "tacos, pizza",
          results_visibility: visibility,
        });
        const stranger = new Client(server.url);
        await stranger.open(`/vote/${id}`);
        for (const format of ["csv", "json"]) {
          const refused = await stranger.get(`/results/${id}.${format}`);
          const text = await refused.text();
          assertEquals(refused.status, 403, `${visibility} ${format}`);
          assertMatch(text, /Results are (hidden|shown to each voter)/, "the reason is given");
          assertNotIncludes(text, "tacos", "nothing of the results leaks");
          if (format === "json") assertEquals(JSON.parse(text).error.code, "results_hidden");
        }
        const page = await (await stranger.get(`/results/${id}`)).text();
        assertNotIncludes(page, `/results/${id}.csv`, "no export link while hidden");

        const mine = await owner.get(`/results/${id}.csv`);
        assertEquals(mine.status, 200, `${visibility}: the owner exports`);
        assertStringIncludes(await mine.text(), '"tacos",0');

        if (visibility === "after_vote") {
          const vote = await stranger.post(`/vote/${id}`, { option: "pizza" });
          await vote.body?.cancel();
          const after = await stranger.get(`/results/${id}.json`);
          assertEquals(after.status, 200, "a voter sees them after voting");
          assertEquals((await after.json()).results.total, 1);
        }
      }
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "exports for each kind: approval shares of voters, ranked every round",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startTestServer();
    try {
      const post = async (path: string, body: unknown) => {
        const response = await fetch(`${server.url}/api/v1${path}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        assert(response.ok, `${path}: ${response.status}`);
        return await response.json();
      };
      const approval = await post("/ballots", {
        measure: "Toppings?",
        options: ["ham", "=pineapple"],
        kind: "approval",
      });
      await post(`/ballots/${approval.id}/votes`, { options: ["ham", "=pineapple"] });
      await post(`/ballots/${approval.id}/votes`, { options: ["ham"] });
      const approvalCsv = parseCsv(
        await (await fetch(`${server.url}/results/${approval.id}.csv`)).text(),
      );
      assertEquals(approvalCsv.slice(1), [
        ["ham", "2", "100.0", "false"],
        ["'=pineapple", "1", "50.0", "false"],
      ], "shares of the 2 voters");

      const ranked = await post("/ballots", {
        measure: "Ranked?",
        options: ["a", "b", "@c"],
        kind: "ranked",
      });
      for (const ranking of [["a", "b"], ["b", "a"], ["@c", "b"], ["a"], ["@c", "b", "a"]]) {
        await post(`/ballots/${ranked.id}/votes`, { ranking });
      }
      const rankedCsv = parseCsv(
        await (await fetch(`${server.url}/results/${ranked.id}.csv`)).text(),
      );
      assertEquals(rankedCsv[0], ["round", "option", "votes", "eliminated", "exhausted_ballots"]);
      const round1 = rankedCsv.filter((row) => row[0] === "1");
      assertEquals(round1.length, 3, "every option in the first round");
      assertEquals(round1.find((row) => row[1] === "b")?.slice(2), ["1", "true", "0"]);
      assert(round1.some((row) => row[1] === "'@c"), "a ranked label is defused too");
      const rounds = new Set(rankedCsv.slice(1).map((row) => row[0]));
      assert(rounds.size >= 2, "every round is exported");

      const json = await (await fetch(`${server.url}/results/${ranked.id}.json`)).json();
      assertEquals(json.results.rounds.length, rounds.size);
      assertEquals(json.results.winners, ["a"]);
    } finally {
      await server.close();
    }
  },
});
