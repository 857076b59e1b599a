-- Ballots are immutable once created; only their counters change.
create table ballots (
  id text primary key,
  measure text not null,
  allow_write_in boolean not null,
  starts_at timestamptz not null,
  ends_at timestamptz,
  created_at timestamptz not null default now()
);

create index ballots_created_at_idx on ballots (created_at desc);

-- One counted row per option; write-ins get their own row (position null).
-- Tallies are read from here, never by scanning votes.
create table ballot_options (
  ballot_id text not null references ballots (id) on delete cascade,
  label text not null,
  position integer,
  write_in boolean not null default false,
  votes bigint not null default 0 check (votes >= 0),
  primary key (ballot_id, label)
);

-- The append-only audit trail: one row per accepted vote.
create table votes (
  id bigint generated always as identity primary key,
  ballot_id text not null references ballots (id) on delete cascade,
  option_label text not null,
  write_in boolean not null,
  cast_at timestamptz not null default now()
);
