-- Counters are found by a comparison key that lib/ballots/labels.ts computes for
-- every new row (NFKC, case folded, invisible characters dropped, spaces
-- collapsed; write-ins also lose surrounding punctuation), so "tacos",
-- "  TACOS! " and "Ta<U+200B>cos" are one counter, shown with its first spelling.
-- Rows made before this migration get the closest key SQL can compute. Where
-- two of them would share a key (listed options first, then write-ins by votes),
-- the later ones keep theirs apart with a suffix: no result already counted changes.
alter table ballot_options add column label_key text;

update ballot_options o set label_key = r.key
from (
  select ballot_id, label,
    case when n = 1 then key else key || chr(1) || n::text end as key
  from (
    select ballot_id, label, key,
      row_number() over (
        partition by ballot_id, key order by position nulls last, votes desc, label
      ) as n
    from (
      select ballot_id, label, position, votes,
        case when position is null then coalesce(
          nullif(
            regexp_replace(
              base,
              '^[[:space:]!,.:;?()\[\]{}"''`_~*¡¿«»“”‘’–—-]+|[[:space:]!,.:;?()\[\]{}"''`_~*¡¿«»“”‘’–—-]+$',
              '',
              'g'
            ),
            ''
          ),
          base
        ) else base end as key
      from (
        select ballot_id, label, position, votes,
          btrim(regexp_replace(
            lower(upper(regexp_replace(
              normalize(label, nfkc),
              '[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0]',
              '',
              'g'
            ))),
            '\s+',
            ' ',
            'g'
          )) as base
        from ballot_options
      ) normalised
    ) keyed
  ) ranked
) r
where o.ballot_id = r.ballot_id and o.label = r.label;

alter table ballot_options alter column label_key set not null;
alter table ballot_options drop constraint ballot_options_pkey;
alter table ballot_options add primary key (ballot_id, label_key);
-- A vote for a listed option finds its counter by the option's spelling.
create index ballot_options_label_idx on ballot_options (ballot_id, label);

-- Distinct write-ins taken so far: the vote statement reads and raises it under
-- the ballot row's lock, so processes writing at once cannot pass the cap.
alter table ballots add column write_in_count integer not null default 0;
update ballots b set write_in_count = c.n
from (
  select ballot_id, count(*)::int as n from ballot_options where position is null group by ballot_id
) c
where b.id = c.ballot_id;
