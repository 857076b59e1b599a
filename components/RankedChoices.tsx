import type { ChoicesProps } from "./VoteForm.tsx";
import { describedBy, FieldError } from "./FieldError.tsx";

/**
 * A ranked ballot's inputs without JavaScript: a `rank_{i}` select per option
 * (`i` its position on the ballot), valued with its rank or empty (unranked).
 */
export function RankedChoices({ ballot, form, errors }: ChoicesProps) {
  const ranks = ranksOf(ballot.options, form.ranking ?? [], form.ranks ?? []);
  const n = ballot.options.length;
  return (
    <>
      <fieldset class="options ranked-options" {...describedBy("ranking-error", errors.ranking)}>
        <legend>
          rank_in_order <span class="hint">(1 = first choice; leave any unranked)</span>
        </legend>
        {ballot.options.map((option, index) => (
          <div class="rank-row" data-rank-option={option}>
            <select id={`rank-${index}`} name={`rank_${index}`} class="rank-select">
              <option value="" selected={ranks[index] === ""}>–</option>
              {Array.from({ length: n }, (_, r) => String(r + 1)).map((rank) => (
                <option value={rank} selected={ranks[index] === rank}>{rank}</option>
              ))}
            </select>
            <label for={`rank-${index}`}>
              <bdi>{option}</bdi>
            </label>
          </div>
        ))}
      </fieldset>
      <FieldError id="ranking-error" message={errors.ranking} />
    </>
  );
}

/** Each option's rank as its select shows it: from a `ranking` list, else the selects sent. */
export function ranksOf(options: string[], ranking: string[], ranks: string[]): string[] {
  const listed = ranking.filter((label) => label !== "");
  if (listed.length > 0) {
    return options.map((option) => {
      const at = listed.indexOf(option);
      return at < 0 ? "" : String(at + 1);
    });
  }
  return options.map((_, i) => ranks[i] ?? "");
}
