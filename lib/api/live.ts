/** The API's live events: the results and status as JSON, as the public may see them. */
import type { Ballot } from "../ballots/types.ts";
import type { Tally } from "../results/tally.ts";
import { publicVisibility } from "../results/visibility.ts";
import { resultsJson, statusJson, type TurnoutFigures } from "./representation.ts";

/** The data of the `results` and `status` events an API viewer is sent. */
export function apiEventData(
  ballot: Ballot,
  tally: Tally,
  turnout: TurnoutFigures,
  now: Date,
): { results: string; status: string } {
  const visibility = publicVisibility(ballot, now);
  return {
    results: JSON.stringify(resultsJson(ballot, visibility, tally, turnout, now)),
    status: JSON.stringify(statusJson(ballot, now)),
  };
}
