/**
 * Idempotency keys of votes (the `Idempotency-Key` header, set by nginx when the
 * client sends none): a vote sent again with its key is answered as recorded and
 * counted once, on every database and through the HTTP routes.
 */
import { readTally } from "../../lib/stores/ballots.ts";
import { openDatabase, type Sql } from "../../lib/stores/database.ts";
import { forgetOldVoteKeys } from "../../lib/stores/vote_keys.ts";
import { recordVotes, type VoteToRecord } from "../../lib/stores/votes.ts";
import {
  VOTE_KEY_FIELD_MESSAGE,
  VOTE_KEY_MESSAGE,
  VOTE_KEY_REUSED,
  VOTE_PAGE_REUSED,
} from "../../lib/votes/keys.ts";
import {
  assertEquals,
  assertMatch,
  assertNotEquals,
  assertStringIncludes,
} from "../_support/assert.ts";
import { Client, readCounts } from "../_support/client.ts";
import { createServerDatabase, testDatabaseFactories } from "../_support/databases.ts";
import { startTestServer } from "../_support/server.ts";
import { insertOpenBallot } from "../_support/ballots.ts";

const MAX_WRITE_INS = 200;

function vote(ballotId: string, requestKey: string | null, more: Partial<VoteToRecord> = {}) {
  return { ballotId, label: "yes", key: "yes", writeIn: false, requestKey, ...more };
}

async function counts(sql: Sql, ballotId: string): Promise<Record<string, number>> {
  const tally = await readTally(sql, ballotId);
  return Object.fromEntries(tally.filter((row) => row.votes > 0).map((r) => [r.label, r.votes]));
}

async function auditRows(sql: Sql, ballotId: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from votes where ballot_id = ${ballotId}`;
  return row.n;
}

for (const factory of testDatabaseFactories()) {
  Deno.test({
    name:
      `[${factory.name}] a vote sent again with its key is answered recorded and counted once (lean and full statements, one vote per browser, within a batch)`,
    ignore: factory.ignore,
    fn: async () => {
      const target = await factory.create();
      const db = await openDatabase({ url: target.url, dataDir: "" });
      try {
        const open = await insertOpenBallot(db.sql, "KeyedKeyedKeyed1");
        assertEquals(await recordVotes(db.sql, [vote(open.id, "k1")], MAX_WRITE_INS), [
          "recorded",
        ]);
        // Resent alone, then with a new key, then twice in one batch, then without keys.
        assertEquals(await recordVotes(db.sql, [vote(open.id, "k1")], MAX_WRITE_INS), [
          "recorded",
        ]);
        assertEquals(
          await recordVotes(
            db.sql,
            [vote(open.id, "k2"), vote(open.id, "k3"), vote(open.id, "k3")],
            MAX_WRITE_INS,
          ),
          ["recorded", "recorded", "recorded"],
        );
        assertEquals(
          await recordVotes(db.sql, [vote(open.id, null), vote(open.id, null)], MAX_WRITE_INS),
          ["recorded", "recorded"],
        );
        assertEquals(await counts(db.sql, open.id), { yes: 5 }, "k1, k2, k3 and two unkeyed");
        assertEquals(await auditRows(db.sql, open.id), 5);
        const [turnout] = await db.sql<{ turnout: number }[]>`
          select turnout::int from ballots where id = ${open.id}`;
        assertEquals(turnout.turnout, 5);

        // One vote per browser: the resent vote is the voter's own, not a duplicate.
        const browser = await insertOpenBallot(db.sql, "KeyedBrowserBal1", {
          duplicateCheck: "browser",
        });
        const own = vote(browser.id, "b1", { voterId: "voter-1" });
        assertEquals(await recordVotes(db.sql, [own], MAX_WRITE_INS), ["recorded"]);
        assertEquals(await recordVotes(db.sql, [own], MAX_WRITE_INS), ["recorded"]);
        assertEquals(
          await recordVotes(db.sql, [{ ...own, requestKey: "b2" }], MAX_WRITE_INS),
          ["duplicate"],
          "the same voter's new vote",
        );
        assertEquals(await counts(db.sql, browser.id), { yes: 1 });

        // The same key with another vote is refused, and counts nothing.
        const first = vote(open.id, "k5", { requestFingerprint: "fp-yes" });
        assertEquals(await recordVotes(db.sql, [first], MAX_WRITE_INS), ["recorded"]);
        assertEquals(
          await recordVotes(db.sql, [{
            ...first,
            label: "no",
            key: "no",
            requestFingerprint: "fp-no",
          }], MAX_WRITE_INS),
          ["key_reused"],
        );
        assertEquals(await recordVotes(db.sql, [first], MAX_WRITE_INS), ["recorded"]);
        assertEquals(await counts(db.sql, open.id), { yes: 6 });
        // Two votes under one key in one batch: the first counts, the same again is
        // answered recorded, another vote is refused.
        const pair = vote(open.id, "k6", { requestFingerprint: "fp-yes" });
        const clash = { ...pair, label: "no", key: "no", requestFingerprint: "fp-no" };
        assertEquals(
          await recordVotes(db.sql, [pair, pair, clash], MAX_WRITE_INS),
          ["recorded", "recorded", "key_reused"],
        );
        assertEquals(await counts(db.sql, open.id), { yes: 7 });

        // The full statement (a write-in), and a key is a ballot's own.
        const writeIns = await insertOpenBallot(db.sql, "KeyedWriteInBal1", { allowWriteIn: true });
        const written = vote(writeIns.id, "k1", { label: "maybe", key: "maybe", writeIn: true });
        assertEquals(await recordVotes(db.sql, [written], MAX_WRITE_INS), ["recorded"]);
        assertEquals(await recordVotes(db.sql, [written], MAX_WRITE_INS), ["recorded"]);
        assertEquals(
          await recordVotes(db.sql, [{
            ...written,
            label: "perhaps",
            key: "perhaps",
            requestFingerprint: "other",
          }], MAX_WRITE_INS),
          ["key_reused"],
        );
        const another = { ...written, requestKey: "k2" };
        assertEquals(
          await recordVotes(
            db.sql,
            [another, {
              ...another,
              label: "no",
              key: "no",
              writeIn: false,
              requestFingerprint: "other",
            }],
            MAX_WRITE_INS,
          ),
          ["recorded", "key_reused"],
          "the full statement, one key twice in a batch",
        );
        assertEquals(await counts(db.sql, writeIns.id), { maybe: 2 });
        assertEquals(await counts(db.sql, open.id), { yes: 7 }, "k1 of another ballot");

        // Forgotten after its time, a key no longer holds a vote back.
        await db.sql`update vote_keys set recorded_at = now() - interval '11 minutes'
          where ballot_id = ${open.id} and request_key = 'k1'`;
        assertEquals(await forgetOldVoteKeys(db.sql), 1);
        assertEquals(await recordVotes(db.sql, [vote(open.id, "k1")], MAX_WRITE_INS), [
          "recorded",
        ]);
        assertEquals(await counts(db.sql, open.id), { yes: 8 });
      } finally {
        await db.close();
        await target.drop();
      }
    },
  });
}

for (const factory of testDatabaseFactories()) {
  Deno.test({
    name:
      `[${factory.name}] on one-vote ballots a copy of a keyed vote in its batch is answered recorded, and another vote under the key uses up no code`,
    ignore: factory.ignore,
    fn: async () => {
      const target = await factory.create();
      const db = await openDatabase({ url: target.url, dataDir: "" });
      try {
        const browser = await insertOpenBallot(db.sql, "CopiesBrowserBa1", {
          duplicateCheck: "browser",
        });
        const own = vote(browser.id, "kb1", { voterId: "voter-1", requestFingerprint: "fp-yes" });
        const ownOther = { ...own, label: "no", key: "no", requestFingerprint: "fp-no" };
        assertEquals(
          await recordVotes(db.sql, [own, own, ownOther], MAX_WRITE_INS),
          ["recorded", "recorded", "key_reused"],
        );
        assertEquals(await counts(db.sql, browser.id), { yes: 1 });
        // Another browser's vote under a key the batch used claims nothing.
        const first = vote(browser.id, "kb2", { voterId: "voter-2", requestFingerprint: "fp-yes" });
        const stranger = { ...first, voterId: "voter-3", label: "no", key: "no" };
        assertEquals(
          await recordVotes(
            db.sql,
            [first, { ...stranger, requestFingerprint: "fp-no" }],
            MAX_WRITE_INS,
          ),
          ["recorded", "key_reused"],
        );
        assertEquals(
          await recordVotes(db.sql, [{ ...stranger, requestKey: "kb3" }], MAX_WRITE_INS),
          ["recorded"],
          "the refused browser's one vote is still unused",
        );
        assertEquals(await counts(db.sql, browser.id), { yes: 2, no: 1 });

        const secret = await insertOpenBallot(db.sql, "CopiesCodesBall1", {
          duplicateCheck: "code",
          codeHashes: ["code-1", "code-2", "code-3"],
        });
        const coded = vote(secret.id, "kc1", { codeHash: "code-1", requestFingerprint: "fp-yes" });
        assertEquals(
          await recordVotes(db.sql, [coded, coded], MAX_WRITE_INS),
          ["recorded", "recorded"],
          "the same vote twice with one code",
        );
        const second = vote(secret.id, "kc2", { codeHash: "code-2", requestFingerprint: "fp-yes" });
        const clash = {
          ...second,
          codeHash: "code-3",
          label: "no",
          key: "no",
          requestFingerprint: "fp-no",
        };
        assertEquals(
          await recordVotes(db.sql, [second, clash], MAX_WRITE_INS),
          ["recorded", "key_reused"],
          "another vote, with another code, under a key the batch used",
        );
        assertEquals(
          await recordVotes(db.sql, [{ ...clash, requestKey: "kc3" }], MAX_WRITE_INS),
          ["recorded"],
          "the refused vote's code is still unused",
        );
        assertEquals(await counts(db.sql, secret.id), { yes: 2, no: 1 });
      } finally {
        await db.close();
        await target.drop();
      }
    },
  });
}

Deno.test({
  name:
    "[postgres] on one-vote ballots a vote resent while its first copy commits is answered recorded, not as a second vote of its browser or code",
  ignore: !Deno.env.get("TEST_DATABASE_URL"),
  fn: async () => {
    const target = await createServerDatabase(Deno.env.get("TEST_DATABASE_URL")!);
    const db = await openDatabase({ url: target.url, dataDir: "" });
    try {
      const browser = await insertOpenBallot(db.sql, "RacedBrowserBal1", {
        duplicateCheck: "browser",
      });
      const secret = await insertOpenBallot(db.sql, "RacedCodesBallo1", {
        duplicateCheck: "code",
        codeHashes: ["code-1"],
      });
      for (
        const copy of [
          vote(browser.id, "rb1", { voterId: "voter-1", requestFingerprint: "fp-yes" }),
          vote(secret.id, "rc1", { codeHash: "code-1", requestFingerprint: "fp-yes" }),
        ]
      ) {
        let resent: Promise<string[]> | undefined;
        await db.sql.begin(async (tx) => {
          assertEquals(await recordVotes(tx as unknown as Sql, [copy], MAX_WRITE_INS), [
            "recorded",
          ]);
          resent = recordVotes(db.sql, [copy], MAX_WRITE_INS);
          await new Promise((resolve) => setTimeout(resolve, 300));
        });
        assertEquals(await resent, ["recorded"], copy.ballotId);
        assertEquals(await counts(db.sql, copy.ballotId), { yes: 1 });
      }
    } finally {
      await db.close();
      await target.drop();
    }
  },
});

Deno.test({
  name:
    "[postgres] a vote resent while its first copy is still committing waits for it, then is answered recorded without a second count (refused if it is another vote)",
  ignore: !Deno.env.get("TEST_DATABASE_URL"),
  fn: async () => {
    const target = await createServerDatabase(Deno.env.get("TEST_DATABASE_URL")!);
    const db = await openDatabase({ url: target.url, dataDir: "" });
    try {
      const ballot = await insertOpenBallot(db.sql, "RacedKeyRacedKey");
      let resent: Promise<string[]> | undefined;
      let answered = false;
      await db.sql.begin(async (tx) => {
        assertEquals(
          await recordVotes(tx as unknown as Sql, [vote(ballot.id, "r1")], MAX_WRITE_INS),
          [
            "recorded",
          ],
        );
        // Another process's batch with the same key, before this one commits.
        resent = recordVotes(db.sql, [vote(ballot.id, "r1")], MAX_WRITE_INS).finally(() =>
          answered = true
        );
        await new Promise((resolve) => setTimeout(resolve, 300));
        assertEquals(answered, false, "the resent vote waits for the first batch");
      });
      assertEquals(await resent, ["recorded"]);
      assertEquals(await counts(db.sql, ballot.id), { yes: 1 });
      assertEquals(await auditRows(db.sql, ballot.id), 1);

      // Another vote under a key whose first copy is committing: refused once it has.
      let other: Promise<string[]> | undefined;
      await db.sql.begin(async (tx) => {
        const first = vote(ballot.id, "r2", { requestFingerprint: "fp-yes" });
        assertEquals(await recordVotes(tx as unknown as Sql, [first], MAX_WRITE_INS), [
          "recorded",
        ]);
        other = recordVotes(db.sql, [{
          ...first,
          label: "no",
          key: "no",
          requestFingerprint: "fp-no",
        }], MAX_WRITE_INS);
        await new Promise((resolve) => setTimeout(resolve, 300));
      });
      assertEquals(await other, ["key_reused"]);
      assertEquals(await counts(db.sql, ballot.id), { yes: 2 });
      assertEquals(await auditRows(db.sql, ballot.id), 2);
    } finally {
      await db.close();
      await target.drop();
    }
  },
});

Deno.test("Idempotency-Key on the vote form and the API: a resent vote is answered as recorded and counted once; a malformed key is refused and changes nothing", async () => {
  const server = await startTestServer();
  try {
    const voter = new Client(server.url);
    const id = await voter.createBallot({ measure: "Keys", options_raw: "a, b" });
    const key = { "Idempotency-Key": "0f1e2d3c4b5a69788796a5b4c3d2e1f0" };
    for (let i = 0; i < 2; i++) {
      const answer = await voter.post(`/vote/${id}`, { option: "a" }, { headers: key });
      await answer.body?.cancel();
      assertEquals([answer.status, answer.headers.get("location")], [303, `/results/${id}`]);
    }
    const htmx = await voter.post(`/vote/${id}`, { option: "a" }, { headers: key, htmx: true });
    await htmx.body?.cancel();
    assertEquals([htmx.status, htmx.headers.get("hx-redirect")], [204, `/results/${id}`]);

    const api = (headers: Record<string, string>) =>
      fetch(`${server.url}/api/v1/ballots/${id}/votes`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ option: "b" }),
      });
    for (const sent of ['"api-key-1"', "api-key-1"]) {
      const answer = await api({ "Idempotency-Key": sent });
      assertEquals(answer.status, 201, await answer.text());
    }
    assertEquals(await countsOn(server.url, id), { a: 1, b: 1 });

    // The same key with another choice: refused, as the answer says.
    const other = await voter.post(`/vote/${id}`, { option: "b" }, { headers: key });
    assertEquals(other.status, 400);
    assertStringIncludes(await other.text(), VOTE_KEY_REUSED);
    const otherApi = await fetch(`${server.url}/api/v1/ballots/${id}/votes`, {
      method: "POST",
      headers: { "content-type": "application/json", "Idempotency-Key": "api-key-1" },
      body: JSON.stringify({ option: "a" }),
    });
    assertEquals([otherApi.status, (await otherApi.json()).error.message], [400, VOTE_KEY_REUSED]);

    const form = await voter.post(`/vote/${id}`, { option: "a" }, {
      headers: { "Idempotency-Key": "has a space" },
    });
    assertEquals(form.status, 400);
    assertStringIncludes(await form.text(), VOTE_KEY_MESSAGE);
    const json = await api({ "Idempotency-Key": "x".repeat(129) });
    assertEquals(json.status, 400);
    const body = await json.json();
    assertEquals([body.error.code, body.error.message], [
      "invalid_idempotency_key",
      VOTE_KEY_MESSAGE,
    ]);
    assertEquals(await countsOn(server.url, id), { a: 1, b: 1 }, "nothing changed");
  } finally {
    await server.close();
  }
});

async function countsOn(url: string, id: string): Promise<Record<string, number>> {
  return readCounts(await (await fetch(`${url}/results/${id}`)).text());
}

/** The vote form's own key, from a page Oponn served. */
function pageVoteKey(html: string): string | undefined {
  return /<input type="hidden" name="vote_key" value="([^"]*)" autocomplete="off"/.exec(html)?.[1];
}

Deno.test("the vote form carries a key of its own: a page submitted twice without JavaScript counts once, another choice from it is refused with a new form, and the proxy's request id keys the rest", async () => {
  const server = await startTestServer();
  try {
    const voter = new Client(server.url);
    const id = await voter.createBallot({ measure: "Form keys", options_raw: "a, b" });
    const first = pageVoteKey(await voter.open(`/vote/${id}`));
    const second = pageVoteKey(await voter.open(`/vote/${id}`));
    assertMatch(first ?? "", /^[0-9a-f]{32}$/);
    assertMatch(second ?? "", /^[0-9a-f]{32}$/);
    assertNotEquals(first, second, "every page served has a new key");

    // Submitted twice (a double click, or a resend after a lost answer): one vote.
    for (let i = 0; i < 2; i++) {
      const answer = await voter.post(`/vote/${id}`, { option: "a", vote_key: first! });
      await answer.body?.cancel();
      assertEquals([answer.status, answer.headers.get("location")], [303, `/results/${id}`]);
    }
    assertEquals(await countsOn(server.url, id), { a: 1, b: 0 });

    // Another choice from the same page: not counted, said so, and a new form to send it from.
    const other = await voter.post(`/vote/${id}`, { option: "b", vote_key: first! });
    assertEquals(other.status, 400);
    const refusal = await other.text();
    assertStringIncludes(refusal, VOTE_PAGE_REUSED);
    const fresh = pageVoteKey(refusal);
    assertMatch(fresh ?? "", /^[0-9a-f]{32}$/);
    assertNotEquals(fresh, first);
    const again = await voter.post(`/vote/${id}`, { option: "b", vote_key: fresh! });
    await again.body?.cancel();
    assertEquals(again.status, 303);
    assertEquals(await countsOn(server.url, id), { a: 1, b: 1 });

    // The script's header wins over the field (each submission of it is a new vote).
    const scripted = await voter.post(`/vote/${id}`, { option: "b", vote_key: first! }, {
      headers: { "Idempotency-Key": "script-key-1" },
      htmx: true,
    });
    await scripted.body?.cancel();
    assertEquals(scripted.status, 204);
    assertEquals(await countsOn(server.url, id), { a: 1, b: 2 });

    // No key of its own: the proxy's request id (nginx resends with the same one).
    const proxied = { "X-Oponn-Request-Id": "5e0d1c2b3a4958677685a4b3c2d1e0f9" };
    for (let i = 0; i < 2; i++) {
      const answer = await voter.post(`/vote/${id}`, { option: "a" }, { headers: proxied });
      await answer.body?.cancel();
      assertEquals(answer.status, 303);
    }
    assertEquals(await countsOn(server.url, id), { a: 2, b: 2 });
    // A request id Oponn cannot use as a key (another proxy's) keys nothing: the vote counts.
    const odd = await voter.post(`/vote/${id}`, { option: "a" }, {
      headers: { "X-Oponn-Request-Id": "not a key" },
    });
    await odd.body?.cancel();
    assertEquals(odd.status, 303);
    assertEquals(await countsOn(server.url, id), { a: 3, b: 2 });

    // A damaged field: refused, nothing counted.
    const damaged = await voter.post(`/vote/${id}`, { option: "a", vote_key: "<script>" });
    assertEquals(damaged.status, 400);
    assertStringIncludes(await damaged.text(), VOTE_KEY_FIELD_MESSAGE);
    assertEquals(await countsOn(server.url, id), { a: 3, b: 2 });
  } finally {
    await server.close();
  }
});
