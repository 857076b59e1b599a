-- The rows a vote adds (its audit row in `votes`, its claim in `ballot_voters`)
-- lose their foreign key to `ballots`. The vote statement (lib/stores/votes.ts)
-- is the only writer of both, and it writes them only for ballots it has locked
-- `for no key update` in the same statement: a ballot cannot be deleted under
-- it, so the key could never fail. What the key cost was a check query per row
-- (measured: 30% of the database's CPU for a 26-vote batch).
--
-- Deleting a ballot still takes its audit rows and claims with it, by the
-- trigger below. It runs after the delete has waited out any vote batch that
-- held the ballot, and each of its statements reads a fresh snapshot, so rows
-- that batch committed are deleted too.
alter table votes drop constraint votes_ballot_id_fkey;
alter table ballot_voters drop constraint ballot_voters_ballot_id_fkey;

create function delete_vote_rows() returns trigger language plpgsql as $$
begin
  delete from votes where ballot_id in (select id from deleted_ballots);
  delete from ballot_voters where ballot_id in (select id from deleted_ballots);
  return null;
end;
$$;

create trigger ballots_delete_vote_rows
  after delete on ballots
  referencing old table as deleted_ballots
  for each statement execute function delete_vote_rows();
