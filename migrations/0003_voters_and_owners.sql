-- Voters and owners (SPEC section 6). A ballot is no longer immutable: its end
-- can move (close, re-time), a manual ballot is published, an owner deletes it.
-- Postgres is the one source of truth; processes drop their cached copy when
-- the live transport says the ballot changed.
alter table ballots
  add column duplicate_check text not null default 'none'
    check (duplicate_check in ('none', 'browser', 'code')),
  add column listing text not null default 'listed' check (listing in ('listed', 'unlisted')),
  add column results_visibility text not null default 'always'
    check (results_visibility in ('always', 'after_vote', 'after_close', 'manual')),
  add column published_at timestamptz,
  -- The signed voter id of the creating browser, and the SHA-256 of the manage key.
  add column owner_voter text,
  add column manage_key_hash text,
  add column codes_issued integer not null default 0,
  -- Ballots cast (turnout): raised by the vote statement, never per-voter.
  add column turnout bigint not null default 0;

update ballots b set turnout = coalesce(
  (select sum(votes) from ballot_options o where o.ballot_id = b.id), 0
);

create index ballots_owner_idx on ballots (owner_voter) where owner_voter is not null;
create index ballots_listed_idx on ballots (created_at desc) where listing = 'listed';

-- `browser` ballots: who has voted, so a second vote is refused inside the
-- vote's own statement. Never written for `none` or `code` ballots.
create table ballot_voters (
  ballot_id text not null references ballots (id) on delete cascade,
  voter_id text not null,
  primary key (ballot_id, voter_id)
);
create index ballot_voters_voter_idx on ballot_voters (voter_id);

-- `code` ballots: the hash of each code not yet used. Redeeming a code deletes
-- its row in the statement that counts the vote, so no row says which code was
-- used when, or for what.
create table voter_codes (
  ballot_id text not null references ballots (id) on delete cascade,
  code_hash text not null,
  primary key (ballot_id, code_hash)
);
