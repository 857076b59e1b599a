/**
 * The database decides whether a ballot is open, whatever the voting process
 * has cached. Oponn caches a ballot as open when it is created; the row is then
 * re-timed in Postgres behind the process's back (as an owner's re-time or
 * close will do from another process), so only the vote statement's own window
 * check stands between the vote and the tally.
 */
import postgres from "postgres";
import { assertEquals, assertNotIncludes, assertStringIncludes } from "../_support/assert.ts";
import { Client, readCounts } from "../_support/client.ts";
import { createServerDatabase } from "../_support/databases.ts";
import { startTestServer } from "../_support/server.ts";

const DATABASE = Deno.env.get("TEST_DATABASE_URL");

type Sql = ReturnType<typeof postgres>;

interface Case {
  name: string;
  /** Moves the ballot's window in the database only. */
  retime: (sql: Sql, id: string) => Promise<unknown>;
  message: string;
}

const CASES: Case[] = [{
  name: "re-timed to start in an hour",
  retime: (sql, id) =>
    sql`update ballots set starts_at = now() + interval '1 hour',
        ends_at = now() + interval '2 hours' where id = ${id}`,
  message: "Voting has not started for this ballot",
}, {
  name: "closed now",
  retime: (sql, id) => sql`update ballots set ends_at = now() where id = ${id}`,
  message: "Voting has ended for this ballot",
}];

for (const { name, retime, message } of CASES) {
  Deno.test({
    name:
      `[postgres] a ballot cached as open but ${name} in the database: the vote is refused with ` +
      `"${message}", nothing recorded`,
    ignore: !DATABASE,
    async fn() {
      const db = await createServerDatabase(DATABASE!);
      const server = await startTestServer({ DATABASE_URL: db.url });
      const sql = postgres(db.url, { max: 1, onnotice: () => {} });
      try {
        const voter = new Client(server.url);
        const id = await voter.createBallot({ measure: "Window", options_raw: "yes, no" });
        // Open, and cached as open by the process that will take the next votes.
        const first = await voter.post(`/vote/${id}`, { option: "yes" });
        await first.body?.cancel();
        assertEquals(first.status, 303, "the ballot is open before the change");

        await retime(sql, id);

        const plain = await voter.post(`/vote/${id}`, { option: "no" });
        const page = await plain.text();
        assertEquals(plain.status, 409, "plain vote");
        assertStringIncludes(page, "<html");
        assertStringIncludes(page, message);

        const htmx = await voter.post(`/vote/${id}`, { option: "no" }, { htmx: true });
        const fragment = await htmx.text();
        assertEquals(htmx.status, 200, "HTMX gets the form fragment");
        assertNotIncludes(fragment, "<html");
        assertStringIncludes(fragment, message);

        const [{ votes }] = await sql<{ votes: number }[]>`
          select count(*)::int as votes from votes where ballot_id = ${id}`;
        assertEquals(votes, 1, "only the vote cast while open is in the audit trail");
        const results = await (await voter.get(`/results/${id}`)).text();
        assertEquals(readCounts(results), { yes: 1, no: 0 }, "the tally is unchanged");
      } finally {
        await sql.end();
        await server.close();
        await db.drop();
      }
    },
  });
}
