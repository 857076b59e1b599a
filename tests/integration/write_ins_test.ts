/**
 * Write-ins through real HTTP and a real database: one counter per key (case,
 * width, spacing, punctuation and invisible characters aside), the cap on
 * distinct write-ins decided inside the vote statement, and a results page
 * and live event that stay small whatever the ballot holds.
 */
import postgres from "postgres";
import { openDatabase } from "../../lib/stores/database.ts";
import { startEmbedded } from "../../lib/stores/embedded.ts";
import { loadMigrations, migrate } from "../../lib/stores/migrate.ts";
import { recordVotes, type VoteToRecord } from "../../lib/stores/votes.ts";
import { MAX_WRITE_INS } from "../../lib/votes/rules.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotIncludes,
  assertStringIncludes,
} from "../_support/assert.ts";
import { Client, readCounts } from "../_support/client.ts";
import { createServerDatabase, testDatabaseFactories } from "../_support/databases.ts";
import { startTestServer, type TestServer } from "../_support/server.ts";
import { SseReader } from "../_support/sse.ts";

const DATABASE = Deno.env.get("TEST_DATABASE_URL");
const LIMIT_MESSAGE =
  "This ballot has reached its limit of 200 write-ins; choose a listed option or a write-in already in the results";
/** The results page and one live event, whatever the ballot holds (before: 914 KiB each). */
const MAX_PAGE_BYTES = 16 * 1024;
const MAX_EVENT_BYTES = 8 * 1024;

const bytes = (text: string) => new TextEncoder().encode(text).length;

async function writeIn(client: Client, id: string, value: string, htmx = false) {
  const response = await client.post(`/vote/${id}`, {
    option: "__write_in__",
    write_in_value: value,
  }, { htmx });
  return { status: response.status, body: await response.text() };
}

async function firstResultsEvent(server: TestServer, id: string): Promise<string> {
  const reader = await SseReader.open(`${server.url}/ballots/${id}/live-results`);
  try {
    return (await reader.waitFor((event) => event.event === "results")).data;
  } finally {
    await reader.close();
  }
}

for (const factory of testDatabaseFactories()) {
  Deno.test({
    name:
      `[${factory.name}] migration 0002 keys the rows made before it without changing a count, and new votes merge into them`,
    ignore: factory.ignore,
    fn: async () => {
      const target = await factory.create();
      const embedded = target.url === "memory://" ? await startEmbedded() : undefined;
      const sql = postgres(embedded?.url ?? target.url, { max: 1, onnotice: () => {} });
      try {
        const migrations = await loadMigrations();
        await migrate(sql, migrations.filter((m) => m.version === "0001"));
        await sql`insert into ballots (id, measure, allow_write_in, starts_at)
          values ('OldOldOldOldOld_', 'Old', true, now() - interval '1 day')`;
        await sql`insert into ballot_options (ballot_id, label, position, write_in, votes)
          values ('OldOldOldOldOld_', 'Yes', 0, false, 3), ('OldOldOldOldOld_', 'yes', 1, false, 1),
            ('OldOldOldOldOld_', 'tacos', null, true, 5), ('OldOldOldOldOld_', 'TACOS!', null, true, 2)`;
        await migrate(sql, migrations.filter((m) => m.version <= "0002"));
        const counts = async () =>
          Object.fromEntries(
            (await sql<{ label: string; votes: number }[]>`
              select label, votes::int from ballot_options where ballot_id = 'OldOldOldOldOld_'`)
              .map((row) => [row.label, row.votes]),
          );
        assertEquals(await counts(), { Yes: 3, yes: 1, tacos: 5, "TACOS!": 2 });
        const [{ taken }] = await sql<{ taken: number }[]>`
          select write_in_count as taken from ballots where id = 'OldOldOldOldOld_'`;
        assertEquals(taken, 2, "the write-ins already held count against the cap");
        await migrate(sql, migrations);
        const vote = (label: string, key: string, writeIn: boolean): VoteToRecord => ({
          ballotId: "OldOldOldOldOld_",
          label,
          key,
          writeIn,
        });
        const outcomes = await recordVotes(
          sql as unknown as Parameters<typeof recordVotes>[0],
          [vote("yes", "yes", false), vote("Tacos", "tacos", true)],
          MAX_WRITE_INS,
        );
        assertEquals(outcomes, ["recorded", "recorded"]);
        assertEquals(
          await counts(),
          { Yes: 3, yes: 2, tacos: 6, "TACOS!": 2 },
          "a listed option keeps its own counter; a write-in joins the row holding its key",
        );
      } finally {
        await sql.end();
        await embedded?.stop();
        await target.drop();
      }
    },
  });

  Deno.test({
    name:
      `[${factory.name}] write-ins that differ in case, width, spacing, punctuation or invisible characters are one row, shown with the first spelling`,
    ignore: factory.ignore,
    fn: async () => {
      const target = await factory.create();
      const server = await startTestServer({ DATABASE_URL: target.url });
      try {
        const client = new Client(server.url);
        const id = await client.createBallot({
          measure: "Lunch?",
          options_raw: "pizza, sushi",
          allow_write_in: "on",
        });
        for (
          const [value, htmx] of [["  TACOS! ", false], ["tacos", true], ["Ta\u200Bcos", false]]
        ) {
          const { status } = await writeIn(client, id, value as string, htmx as boolean);
          assertEquals(status, htmx ? 204 : 303, JSON.stringify(value));
        }
        assertEquals((await writeIn(client, id, "ＴＡＣＯＳ.")).status, 303);
        assertEquals((await writeIn(client, id, "Pizza!")).status, 303, "names a listed option");
        const html = await (await client.get(`/results/${id}`)).text();
        assertEquals(readCounts(html), { pizza: 1, sushi: 0, "TACOS!": 4 });
        assertStringIncludes(html, "<bdi>TACOS!</bdi>", "user text is isolated");
        if (target.name === "postgres") {
          const sql = postgres(target.url, { max: 1, onnotice: () => {} });
          const rows = await sql<{ label: string; count: number }[]>`
            select option_label as label, count(*)::int as count from votes
            where ballot_id = ${id} group by 1`;
          await sql.end();
          assertEquals(
            Object.fromEntries(rows.map((row) => [row.label, row.count])),
            { pizza: 1, "TACOS!": 4 },
            "each audit row carries the label its counter shows",
          );
        }
      } finally {
        await server.close();
        await target.drop();
      }
    },
  });

  Deno.test({
    name:
      `[${factory.name}] a ballot holds at most ${MAX_WRITE_INS} write-ins: a new one past it is refused with a message, existing ones still count, and output stays small`,
    ignore: factory.ignore,
    fn: async () => {
      const target = await factory.create();
      const server = await startTestServer({ DATABASE_URL: target.url });
      try {
        const client = new Client(server.url);
        const id = await client.createBallot({
          measure: "Name a snack",
          options_raw: "crisps, nuts",
          allow_write_in: "on",
        });
        for (let i = 0; i < MAX_WRITE_INS; i++) {
          assertEquals((await writeIn(client, id, `snack-${i}`)).status, 303, `write-in ${i}`);
        }

        const plain = await writeIn(client, id, "one too many");
        assertEquals(plain.status, 400);
        assertStringIncludes(plain.body, LIMIT_MESSAGE);
        const htmx = await writeIn(client, id, "one too many", true);
        assertEquals(htmx.status, 200);
        assertMatch(
          htmx.body,
          /id="write_in_value-error"[^>]*>[^<]*This ballot has reached its limit/,
        );
        assertNotIncludes(htmx.body, "<html");

        assertEquals((await writeIn(client, id, "  SNACK-7! ")).status, 303, "an existing one");
        assertEquals((await writeIn(client, id, "NUTS")).status, 303, "a listed option");

        const page = await (await client.get(`/results/${id}`)).text();
        const counts = readCounts(page);
        assertEquals(Object.keys(counts).length, 2 + 10, "listed options and the top 10 write-ins");
        assertEquals(counts["snack-7"], 2);
        assertEquals(counts.nuts, 1);
        assertEquals(counts["one too many"], undefined);
        assertMatch(page, /data-more-write-ins="190"/);
        assertMatch(page, /<li[^>]*data-more-write-ins[^>]*>/);
        assertNotIncludes(
          /<li[^>]*data-more-write-ins[^>]*>/.exec(page)![0],
          "data-option",
          "the more row is not an option",
        );
        assertStringIncludes(page, `href="/results/${id}/write-ins"`);
        assert(bytes(page) < MAX_PAGE_BYTES, `results page of ${bytes(page)} bytes`);
        const event = await firstResultsEvent(server, id);
        assert(bytes(event) < MAX_EVENT_BYTES, `live event of ${bytes(event)} bytes`);
        assertMatch(event, /data-more-write-ins="190"/);

        // Every write-in, 50 a page, most votes first; past the last page and unknown ballots: 404.
        const listed: Record<string, number> = {};
        for (let n = 1; n <= 4; n++) {
          const response = await client.get(`/results/${id}/write-ins?page=${n}`);
          assertEquals(response.status, 200);
          const rows = readCounts(await response.text());
          assertEquals(Object.keys(rows).length, 50, `page ${n}`);
          Object.assign(listed, rows);
        }
        assertEquals(Object.keys(listed).length, MAX_WRITE_INS);
        assertEquals(Object.values(listed).reduce((a, b) => a + b, 0), MAX_WRITE_INS + 1);
        for (const path of [`/results/${id}/write-ins?page=5`, `/results/${id}/write-ins?page=x`]) {
          const response = await client.get(path);
          await response.body?.cancel();
          assertEquals(response.status, 404, path);
        }
        const unknown = await client.get("/results/AAAAAAAAAAAAAAAA/write-ins");
        await unknown.body?.cancel();
        assertEquals(unknown.status, 404);

        // Results hidden until the close: the write-in list shows no count either.
        const hidden = await client.createBallot({
          measure: "Secret snack",
          options_raw: "crisps, nuts",
          allow_write_in: "on",
          results_visibility: "after_close",
        });
        assertEquals((await writeIn(client, hidden, "tacos")).status, 303);
        const stranger = await new Client(server.url).get(`/results/${hidden}/write-ins`);
        const body = await stranger.text();
        assertEquals(stranger.status, 303, "sent to the results page, which says why");
        assertNotIncludes(body, "tacos");
      } finally {
        await server.close();
        await target.drop();
      }
    },
  });
}

Deno.test({
  name: "[postgres] batches from two connections at once never take a ballot past its write-in cap",
  ignore: !DATABASE,
  fn: async () => {
    const target = await createServerDatabase(DATABASE!);
    const writers = [0, 1].map(() => openDatabase({ url: target.url, dataDir: "" }));
    const [a, b] = await Promise.all(writers);
    try {
      for (let round = 0; round < 5; round++) {
        const id = `Race${round}`.padEnd(16, "_");
        await a.sql`insert into ballots (id, measure, allow_write_in, starts_at)
          values (${id}, 'Race', true, now() - interval '1 minute')`;
        await a.sql`insert into ballot_options (ballot_id, label, label_key, position)
          values (${id}, 'x', 'x', 0)`;
        const vote = (label: string): VoteToRecord => ({
          ballotId: id,
          label,
          key: label,
          writeIn: true,
        });
        const seed = Array.from({ length: MAX_WRITE_INS - 10 }, (_, i) => vote(`seed-${i}`));
        assertEquals(new Set(await recordVotes(a.sql, seed, MAX_WRITE_INS)), new Set(["recorded"]));
        const batch = (prefix: string) => [
          vote("seed-0"),
          ...Array.from({ length: 20 }, (_, i) => vote(`${prefix}-${i}`)),
        ];
        const [fromA, fromB] = await Promise.all([
          recordVotes(a.sql, batch("a"), MAX_WRITE_INS),
          recordVotes(b.sql, batch("b"), MAX_WRITE_INS),
        ]);
        const outcomes = [...fromA, ...fromB];
        assertEquals(fromA[0], "recorded", "a vote for an existing write-in counts");
        assertEquals(fromB[0], "recorded", "a vote for an existing write-in counts");
        assertEquals(outcomes.filter((o) => o === "recorded").length, 2 + 10);
        assertEquals(outcomes.filter((o) => o === "write_in_limit").length, 30);
        const [row] = await a.sql<{ rows: number; taken: number }[]>`
          select (select count(*)::int from ballot_options
              where ballot_id = ${id} and position is null) as rows,
            (select write_in_count from ballots where id = ${id}) as taken`;
        assertEquals(row, { rows: MAX_WRITE_INS, taken: MAX_WRITE_INS }, `round ${round}`);
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
      await target.drop();
    }
  },
});

Deno.test({
  name:
    "[postgres] a ballot holding 2,000 write-ins (made before the cap) still gives a small page and live event",
  ignore: !DATABASE,
  fn: async () => {
    const target = await createServerDatabase(DATABASE!);
    const server = await startTestServer({ DATABASE_URL: target.url });
    try {
      const client = new Client(server.url);
      const id = await client.createBallot({
        measure: "Legacy",
        options_raw: "a, b",
        allow_write_in: "on",
      });
      const sql = postgres(target.url, { max: 1, onnotice: () => {} });
      const labels = Array.from({ length: 2_000 }, (_, i) => `write-in number ${i} with words`);
      await sql`
        insert into ballot_options (ballot_id, label, label_key, write_in, votes)
        select ${id}, label, lower(label), true, 1 + ord % 7
        from unnest(${labels}::text[]) with ordinality as t(label, ord)`;
      await sql.end();

      const page = await (await client.get(`/results/${id}`)).text();
      assertEquals(Object.keys(readCounts(page)).length, 2 + 10);
      assertMatch(page, /data-more-write-ins="1990"/);
      assert(bytes(page) < MAX_PAGE_BYTES, `results page of ${bytes(page)} bytes`);
      const event = await firstResultsEvent(server, id);
      assert(bytes(event) < MAX_EVENT_BYTES, `live event of ${bytes(event)} bytes`);
      const last = await client.get(`/results/${id}/write-ins?page=40`);
      assertEquals(Object.keys(readCounts(await last.text())).length, 50);
      console.log(`2,000 write-ins: results page ${bytes(page)} B, live event ${bytes(event)} B`);
    } finally {
      await server.close();
      await target.drop();
    }
  },
});
