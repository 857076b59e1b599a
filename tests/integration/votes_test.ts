/**
 * The store and the vote path on every database: the embedded PGlite always,
 * and a fresh database on the Postgres server when TEST_DATABASE_URL is set.
 */
import postgres from "postgres";
import { openDatabase } from "../../lib/stores/database.ts";
import { findBallot, insertBallot, readTally } from "../../lib/stores/ballots.ts";
import { migrate } from "../../lib/stores/migrate.ts";
import { recordVotes } from "../../lib/stores/votes.ts";
import { assertEquals } from "../_support/assert.ts";
import { Client, readCounts } from "../_support/client.ts";
import { announceSkips, testDatabaseFactories } from "../_support/databases.ts";
import { startTestServer } from "../_support/server.ts";

announceSkips();

for (const factory of testDatabaseFactories()) {
  Deno.test(`[${factory.name}] the store keeps ballots, refuses closed ones inside the batch, migrates once`, async () => {
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
      });
      await insertBallot(db.sql, "EndedEndedEnded_", {
        measure: "Ended",
        options: ["a", "b"],
        allowWriteIn: false,
        startsAt: new Date(now - 120_000),
        endsAt: new Date(now - 60_000),
      });
      assertEquals(await findBallot(db.sql, open.id), { ...open });
      assertEquals(await findBallot(db.sql, "Missing_Missing_"), null);

      const outcomes = await recordVotes(db.sql, [
        { ballotId: open.id, label: "a", writeIn: false },
        { ballotId: "EndedEndedEnded_", label: "a", writeIn: false },
        { ballotId: open.id, label: "zebra", writeIn: true },
        { ballotId: open.id, label: "a", writeIn: false },
        { ballotId: "Missing_Missing_", label: "a", writeIn: false },
      ]);
      assertEquals(outcomes, ["recorded", "ended", "recorded", "recorded", "unknown_ballot"]);
      assertEquals(await readTally(db.sql, open.id), [
        { label: "a", votes: 2, writeIn: false },
        { label: "b", votes: 0, writeIn: false },
        { label: "zebra", votes: 1, writeIn: true },
      ]);
      const [{ count }] = await db.sql<
        { count: number }[]
      >`select count(*)::int as count from votes`;
      assertEquals(count, 3, "only accepted votes reach the audit trail");
    } finally {
      await db.close();
      await target.drop();
    }
  });

  Deno.test(`[${factory.name}] 50 concurrent clients × 20 votes = exactly 1,000 counted`, async () => {
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
  });
}
