import type { ChoicesProps } from "./VoteForm.tsx";
import { FieldError } from "./FieldError.tsx";
import { Island } from "./Island.tsx";
import RankedBallot from "../islands/RankedBallot.tsx";

/**
 * A ranked ballot's inputs: the island (drag and keyboard reordering) whose
 * server render, the no-JS version, is a `rank_{i}` select per option (`i`
 * its position on the ballot), valued with its rank or empty (unranked).
 */
export function RankedChoices({ ballot, form, errors }: ChoicesProps) {
  return (
    <>
      <Island
        component={RankedBallot}
        props={{
          options: ballot.options,
          ranks: ranksOf(ballot.options, form.ranking ?? [], form.ranks ?? []),
          errorId: errors.ranking ? "ranking-error" : null,
        }}
      />
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
