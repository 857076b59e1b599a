/**
 * What a link preview (a chat app's card, a search result) shows of a page:
 * its title, a sentence, and the canonical link. For a ballot: its question and
 * how many options it has; never a count of votes, so a hidden result cannot
 * leak through a preview, and a shown one is not frozen in a card that chat
 * apps keep for days.
 */
import type { Ballot } from "../ballots/types.ts";

export interface Preview {
  title: string;
  description: string;
  /** The absolute link the preview stands for. */
  url?: string;
}

export const SITE_DESCRIPTION =
  "A live ballot on oponn: vote, then watch the results move as votes land.";

export function ballotPreview(ballot: Pick<Ballot, "measure" | "options">, url: string): Preview {
  const options = ballot.options.length === 1 ? "1 option" : `${ballot.options.length} options`;
  return {
    title: ballot.measure,
    description: `A live ballot on oponn with ${options}: vote, then watch the results move.`,
    url,
  };
}
