/**
 * The store and the vote path on every database: the embedded PGlite always,
 * and a fresh database on the Postgres server when TEST_DATABASE_URL is set.
 */
import postgres from "postgres";
import { openDatabase, type Sql } from "../../lib/stores/database.ts";
import { findBallot, insertBallot, readTally } from "../../lib/stores/ballots.ts";
import { migrate } from "../../lib/stores/migrate.ts";
import { deleteBallot } from "../../lib/stores/manage.ts";
import { recordVotes } from "../../lib/stores/votes.ts";
import { assertEquals } from "../_support/assert.ts";
import { Client, readCounts } from "../_support/client.ts";
import { createServerDatabase, testDatabaseFactories } from "../_support/databases.ts";
import { startTestServer } from "../_support/server.ts";
import { insertOpenBallot, ORIGINAL } from "../_support/ballots.ts";

for (const factory of testDatabaseFactories()) {
  Deno.test({
    name:
      `[${factory.name}] listed options with commas, quotes, braces, backslashes and emoji are counted and audited as spelled`,
    ignore: factory.ignore,
    fn: async () => {
      const target = await factory.create();
      const db = await openDatabase({ url: target.url, dataDir: "" });
      try {
        const options = ["a, b", '"quoted"', "{brace}", "back\\slash", "NULL", "ünï 🎉"];
        const ballot = await insertBallot(db.sql, "CommaCommaComma_", {
          measure: "Awkward labels",
          options,
          allowWriteIn: false,
          startsAt: new Date(Date.now() - 60_000),
          endsAt: null,
          ...ORIGINAL,
        });
        // One lean batch: every option once, the first twice more.
        const chosen = [...options, options[0], options[0]];
        const outcomes = await recordVotes(
          db.sql,
          chosen.map((label) => ({ ballotId: ballot.id, label, key: label, writeIn: false })),
          200,
        );
        assertEquals(outcomes, chosen.map(() => "recorded"));
        assertEquals(
          (await readTally(db.sql, ballot.id)).map((row) => [row.label, row.votes]),
          options.map((label, index) => [label, index === 0 ? 3 : 1]),
        );
        const audit = await db.sql<{ option_label: string }[]>`
          select option_label from votes where ballot_id = ${ballot.id} order by id`;
        assertEquals(audit.map((row) => row.option_label), chosen);
      } finally {
        await db.close();
        await target.drop();
      }
    },
  });

  Deno.test({
    name:
      `[${factory.name}] one full-statement batch: write-ins, codes and several rankings with awkward labels land as spelled, each on its own vote`,
    ignore: factory.ignore,
    fn: async () => {
      const target = await factory.create();
      const db = await openDatabase({ url: target.url, dataDir: "" });
      try {
        const start = new Date(Date.now() - 60_000);
        const writeIns = await insertBallot(db.sql, "WriteInsWriteIns", {
          measure: "Write-ins",
          options: ["a, b"],
          allowWriteIn: true,
          startsAt: start,
          endsAt: null,
          ...ORIGINAL,
        });
        const ranked = await insertBallot(db.sql, "RankedRankedRank", {
          measure: "Ranked",
          options: ["x, y", '"q"', "{z}"],
          allowWriteIn: false,
          startsAt: start,
          endsAt: null,
          ...ORIGINAL,
          kind: "ranked",
        });
        const code = "f".repeat(64);
        const secret = await insertBallot(db.sql, "CodesCodesCodes_", {
          measure: "Codes",
          options: ["p, q", "r"],
          allowWriteIn: false,
          startsAt: start,
          endsAt: null,
          ...ORIGINAL,
          duplicateCheck: "code",
          codeHashes: [code],
        });
        const rank = (labels: string[]) => ({
          ballotId: ranked.id,
          ranking: { labels, keys: labels },
        });
        const outcomes = await recordVotes(db.sql, [
          { ballotId: writeIns.id, label: "new, one", key: "new, one", writeIn: true },
          rank(["x, y", '"q"']),
          { ballotId: secret.id, label: "p, q", key: "p, q", writeIn: false, codeHash: code },
          rank(["{z}", "x, y", '"q"']),
          { ballotId: writeIns.id, label: "a, b", key: "a, b", writeIn: false },
          { ballotId: secret.id, label: "r", key: "r", writeIn: false, codeHash: code },
          rank(['"q"']),
        ], 200);
        assertEquals(outcomes, [
          "recorded",
          "recorded",
          "recorded",
          "recorded",
          "recorded",
          "code_invalid",
          "recorded",
        ]);
        assertEquals(
          (await readTally(db.sql, writeIns.id)).map((row) => [row.label, row.votes, row.writeIn]),
          [["a, b", 1, false], ["new, one", 1, true]],
        );
        assertEquals(
          (await readTally(db.sql, secret.id)).map((row) => [row.label, row.votes]),
          [["p, q", 1], ["r", 0]],
        );
        const rankings = await db.sql<{ ranking: string[]; votes: number }[]>`
          select ranking, votes::int as votes from ballot_rankings
          where ballot_id = ${ranked.id} order by array_length(ranking, 1)`;
        assertEquals(rankings.map((row) => [row.ranking, row.votes]), [
          [['"q"'], 1],
          [["x, y", '"q"'], 1],
          [["{z}", "x, y", '"q"'], 1],
        ]);
        const audit = await db.sql<{ ballot_id: string; choices: string[] }[]>`
          select ballot_id, choices from votes order by id`;
        assertEquals(audit.map((row) => [row.ballot_id, row.choices]), [
          [writeIns.id, ["new, one"]],
          [ranked.id, ["x, y", '"q"']],
          [ranked.id, ["{z}", "x, y", '"q"']],
          [writeIns.id, ["a, b"]],
          [ranked.id, ['"q"']],
        ]);
      } finally {
        await db.close();
        await target.drop();
      }
    },
  });

  Deno.test({
    name:
      `[${factory.name}] the store keeps ballots, refuses ended and not-started ones inside the batch, migrates once`,
    ignore: factory.ignore,
    fn: async () => {
      const target = await factory.create();
      const db = await openDatabase({ url: target.url, dataDir: "" });
      try {
        assertEquals(await migrate(db.sql), [], "a second run applies nothing");
        const now = Date.now();
        const open = await insertBallot(db.sql, "OpenOpenOpenOpen", {
          measure: "Open",
          options: ["a", "b"],
          allowWriteIn: true,
          startsAt: new Date(now - 60_000),
          endsAt: null,
          ...ORIGINAL,
        });
        await insertBallot(db.sql, "EndedEndedEnded_", {
          measure: "Ended",
          options: ["a", "b"],
          allowWriteIn: false,
          startsAt: new Date(now - 120_000),
          endsAt: new Date(now - 60_000),
          ...ORIGINAL,
        });
        await insertBallot(db.sql, "LaterLaterLater_", {
          measure: "Later",
          options: ["a", "b"],
          allowWriteIn: false,
          startsAt: new Date(now + 3_600_000),
          endsAt: null,
          ...ORIGINAL,
        });
        assertEquals(await findBallot(db.sql, open.id), { ...open });
        assertEquals(await findBallot(db.sql, "Missing_Missing_"), null);

        const outcomes = await recordVotes(db.sql, [
          { ballotId: open.id, label: "a", key: "a", writeIn: false },
          { ballotId: "EndedEndedEnded_", label: "a", key: "a", writeIn: false },
          { ballotId: open.id, label: "zebra", key: "zebra", writeIn: true },
          { ballotId: open.id, label: "a", key: "a", writeIn: false },
          { ballotId: "Missing_Missing_", label: "a", key: "a", writeIn: false },
          { ballotId: "LaterLaterLater_", label: "a", key: "a", writeIn: false },
        ], 200);
        assertEquals(outcomes, [
          "recorded",
          "ended",
          "recorded",
          "recorded",
          "unknown_ballot",
          "not_started",
        ]);
        assertEquals(await readTally(db.sql, open.id), [
          { label: "a", votes: 2, writeIn: false },
          { label: "b", votes: 0, writeIn: false },
          { label: "zebra", votes: 1, writeIn: true },
        ]);
        const [{ count }] = await db.sql<
          { count: number }[]
        >`select count(*)::int as count from votes`;
        assertEquals(count, 3, "only accepted votes reach the audit trail");
        for (const refused of ["EndedEndedEnded_", "LaterLaterLater_"]) {
          assertEquals(
            (await readTally(db.sql, refused)).map((row) => row.votes),
            [0, 0],
            `nothing counted on ${refused}`,
          );
        }
      } finally {
        await db.close();
        await target.drop();
      }
    },
  });

  Deno.test({
    name:
      `[${factory.name}] plain votes take the lean statement: same counts, turnout and audit rows as the full one; one vote per browser; a ballot that needs the full statement is retried`,
    ignore: factory.ignore,
    fn: async () => {
      const target = await factory.create();
      const db = await openDatabase({ url: target.url, dataDir: "" });
      try {
        const startsAt = new Date(Date.now() - 60_000);
        const poll = { allowWriteIn: true, startsAt, endsAt: null, ...ORIGINAL };
        const lean = await insertBallot(db.sql, "LeanLeanLeanLean", {
          measure: "Lean",
          options: ["a", "b", "c"],
          kind: "approval",
          ...poll,
        });
        const full = await insertBallot(db.sql, "FullFullFullFull", {
          measure: "Full",
          options: ["a", "b", "c"],
          kind: "approval",
          ...poll,
        });
        const votes = (ballotId: string) => [
          { ballotId, label: "a", key: "a", writeIn: false },
          {
            ballotId,
            choices: [
              { label: "c", key: "c", writeIn: false },
              { label: "a", key: "a", writeIn: false },
            ],
          },
          { ballotId: "Missing_Missing_", label: "a", key: "a", writeIn: false },
        ];
        // No write-in: the lean statement.
        assertEquals(await recordVotes(db.sql, votes(lean.id), 200), [
          "recorded",
          "recorded",
          "unknown_ballot",
        ]);
        // A write-in in the batch: the full statement.
        assertEquals(
          await recordVotes(db.sql, [
            ...votes(full.id),
            { ballotId: full.id, label: "zed", key: "zed", writeIn: true },
          ], 200),
          ["recorded", "recorded", "unknown_ballot", "recorded"],
        );
        const audit = (ballotId: string) =>
          db.sql<{ option_label: string; write_in: boolean; choices: string[] }[]>`
            select option_label, write_in, choices from votes
            where ballot_id = ${ballotId} order by id`;
        assertEquals(await audit(lean.id), [
          { option_label: "a", write_in: false, choices: ["a"] },
          { option_label: "c", write_in: false, choices: ["c", "a"] },
        ]);
        assertEquals((await audit(full.id)).slice(0, 2), await audit(lean.id));
        assertEquals(
          await readTally(db.sql, lean.id),
          (await readTally(db.sql, full.id)).filter((row) => !row.writeIn),
        );
        assertEquals((await readTally(db.sql, lean.id)).map((row) => row.votes), [2, 0, 1]);
        const turnout = async (id: string) =>
          (await db.sql<{ n: number }[]>`select turnout::int as n from ballots where id = ${id}`)[0]
            .n;
        assertEquals([await turnout(lean.id), await turnout(full.id)], [2, 3]);

        // One vote per browser, in the lean statement as in the full one: a voter's first vote
        // in a batch claims it, a second one or an earlier claim is a duplicate.
        const browsers = await insertBallot(db.sql, "BrowsersBrowsers", {
          measure: "Browsers",
          options: ["a", "b"],
          ...poll,
          allowWriteIn: false,
          duplicateCheck: "browser",
        });
        const from = (voterId: string | null, label = "a") => ({
          ballotId: browsers.id,
          label,
          key: label,
          writeIn: false,
          voterId,
        });
        assertEquals(await recordVotes(db.sql, [from("earlier")], 200), ["recorded"]);
        assertEquals(
          await recordVotes(db.sql, [
            from("alice"),
            from("alice", "b"),
            from("bob", "b"),
            from("earlier", "b"),
            from(null),
          ], 200),
          ["recorded", "duplicate", "recorded", "duplicate", "duplicate"],
        );
        assertEquals((await readTally(db.sql, browsers.id)).map((row) => row.votes), [2, 1]);
        assertEquals(await turnout(browsers.id), 3);
        assertEquals((await audit(browsers.id)).length, 3);
        const claims = await db.sql<{ voter_id: string }[]>`
          select voter_id from ballot_voters where ballot_id = ${browsers.id} order by voter_id`;
        assertEquals(claims.map((row) => row.voter_id), ["alice", "bob", "earlier"]);

        // The server took it for a ballot the lean statement takes; the database knows better.
        await db.sql`update ballots set duplicate_check = 'code' where id = ${lean.id}`;
        assertEquals(await recordVotes(db.sql, votes(lean.id).slice(0, 1), 200), ["code_invalid"]);
        assertEquals((await readTally(db.sql, lean.id)).map((row) => row.votes), [2, 0, 1]);
        assertEquals(await turnout(lean.id), 2, "a refused vote raises no turnout");
        assertEquals((await audit(lean.id)).length, 2);
      } finally {
        await db.close();
        await target.drop();
      }
    },
  });

  Deno.test({
    name: `[${factory.name}] 50 concurrent clients × 20 votes = exactly 1,000 counted`,
    ignore: factory.ignore,
    fn: async () => {
      const target = await factory.create();
      const server = await startTestServer({ DATABASE_URL: target.url });
      try {
        const owner = new Client(server.url);
        const id = await owner.createBallot({ measure: "Load", options_raw: "hot, cold" });
        const accepted = await Promise.all(Array.from({ length: 50 }, async (_, clientIndex) => {
          const client = new Client(server.url);
          await client.open(`/vote/${id}`);
          let ok = 0;
          for (let i = 0; i < 20; i++) {
            const option = clientIndex % 5 === 0 && i % 2 === 0 ? "cold" : "hot";
            const response = await client.post(`/vote/${id}`, { option }, { htmx: i % 2 === 0 });
            await response.body?.cancel();
            if (response.status === 204 || response.status === 303) ok++;
          }
          return ok;
        }));
        assertEquals(accepted.reduce((a, b) => a + b, 0), 1000);
        const counts = readCounts(await (await owner.get(`/results/${id}`)).text());
        assertEquals(counts, { hot: 900, cold: 100 });
        const rows = await server.oponn.deps.oponn.readTally(id);
        assertEquals(rows.total, 1000);
        if (target.name === "postgres") {
          const sql = postgres(target.url, { max: 1, onnotice: () => {} });
          const [{ count }] =
            await sql`select count(*)::int as count from votes where ballot_id = ${id}`;
          await sql.end();
          assertEquals(count, 1000, "one audit row per acknowledged vote");
        }
      } finally {
        await server.close();
        await target.drop();
      }
    },
  });

  Deno.test({
    name:
      `[${factory.name}] deleting a ballot deletes its audit rows and voter claims, and only its own`,
    ignore: factory.ignore,
    fn: async () => {
      const target = await factory.create();
      const db = await openDatabase({ url: target.url, dataDir: "" });
      try {
        const made = [];
        for (const id of ["DeletedDeletedDe", "KeptKeptKeptKept"]) {
          made.push(await insertOpenBallot(db.sql, id, { duplicateCheck: "browser" }));
        }
        const votes = made.flatMap((ballot) =>
          ["v1", "v2", "v3"].map((voterId) => ({
            ballotId: ballot.id,
            label: "yes",
            key: "yes",
            writeIn: false,
            voterId,
          }))
        );
        assertEquals(await recordVotes(db.sql, votes, 200), votes.map(() => "recorded"));
        assertEquals(await deleteBallot(db.sql, made[0].id), true);
        const rows = await db.sql<{ ballot_id: string; audit: number; claims: number }[]>`
          select b.id as ballot_id,
            (select count(*)::int from votes v where v.ballot_id = b.id) as audit,
            (select count(*)::int from ballot_voters c where c.ballot_id = b.id) as claims
          from (values (${made[0].id}::text), (${made[1].id}::text)) as b(id) order by b.id`;
        assertEquals(rows.map((row) => [row.ballot_id, row.audit, row.claims]), [
          [made[0].id, 0, 0],
          [made[1].id, 3, 3],
        ]);
      } finally {
        await db.close();
        await target.drop();
      }
    },
  });
}

Deno.test({
  name: "[postgres] a ballot deleted while a vote batch holds it loses the rows that batch commits",
  ignore: !Deno.env.get("TEST_DATABASE_URL"),
  fn: async () => {
    const target = await createServerDatabase(Deno.env.get("TEST_DATABASE_URL")!);
    const db = await openDatabase({ url: target.url, dataDir: "" });
    try {
      const ballot = await insertOpenBallot(db.sql, "RacedRacedRacedR", {
        duplicateCheck: "browser",
      });
      let deletion: Promise<boolean> | undefined;
      await db.sql.begin(async (tx) => {
        const votes = ["v1", "v2"].map((voterId) => ({
          ballotId: ballot.id,
          label: "no",
          key: "no",
          writeIn: false,
          voterId,
        }));
        assertEquals(await recordVotes(tx as unknown as Sql, votes, 200), ["recorded", "recorded"]);
        // The delete waits on the batch's lock of the ballot row until it commits.
        let deleted = false;
        deletion = deleteBallot(db.sql, ballot.id).finally(() => deleted = true);
        await new Promise((resolve) => setTimeout(resolve, 300));
        assertEquals(deleted, false, "the delete waits for the batch");
      });
      assertEquals(await deletion, true);
      const [left] = await db.sql<{ audit: number; claims: number }[]>`
        select (select count(*)::int from votes where ballot_id = ${ballot.id}) as audit,
          (select count(*)::int from ballot_voters where ballot_id = ${ballot.id}) as claims`;
      assertEquals([left.audit, left.claims], [0, 0]);
    } finally {
      await db.close();
      await target.drop();
    }
  },
});
