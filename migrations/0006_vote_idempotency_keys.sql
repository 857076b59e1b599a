-- Idempotency keys of recorded votes. A vote may carry a key (the
-- `Idempotency-Key` header; nginx in front sets its request id when the client
-- sent none, and resends a vote to another replica with the same key when the
-- first failed): a vote whose key its ballot already recorded is answered as
-- recorded and not counted again, or refused if it is not the vote recorded.
-- Written by the vote statement (lib/stores/votes.ts) under the ballot row's
-- lock; kept ten minutes, then deleted by the reaper (lib/stores/vote_keys.ts).
create table vote_keys (
  ballot_id text not null,
  request_key text not null,
  -- What the vote chose, hashed: the same key with another vote is refused.
  fingerprint text not null,
  recorded_at timestamptz not null default now(),
  primary key (ballot_id, request_key)
);

-- For the reaper's delete by age. Keys arrive in time order, so a block range
-- index serves it; a btree here cost every keyed vote about 12 µs more of
-- database CPU (measured with 26-vote batches).
create index vote_keys_recorded_at on vote_keys using brin (recorded_at) with (autosummarize = on);
