-- Ballot kinds (SPEC section 7). `single` and `approval` count per option in
-- ballot_options; `ranked` counts distinct rankings, and the instant runoff
-- runs over those counters, so its cost follows the distinct rankings, never
-- the number of votes.
alter table ballots
  add column kind text not null default 'single' check (kind in ('single', 'approval', 'ranked')),
  -- `approval`: the most options one voter may choose; null: no cap.
  add column max_choices integer check (max_choices is null or max_choices >= 1);

-- One row per distinct ranking a ballot received: the option label keys in
-- order of preference, and how many votes gave exactly that ranking.
-- `ranking_key` is the SHA-256 of the keys (a ranking of long labels would
-- outgrow a btree entry).
create table ballot_rankings (
  ballot_id text not null references ballots (id) on delete cascade,
  ranking_key text not null,
  ranking text[] not null,
  votes bigint not null default 0 check (votes >= 0),
  primary key (ballot_id, ranking_key)
);

-- The audit trail of approval and ranked votes: every label chosen, in order
-- (`option_label` keeps the first one).
alter table votes add column choices text[];
