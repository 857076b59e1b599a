/** `single`: one option (or one write-in) per vote; shares are of votes. */
import { listedKey, RESERVED_OPTION } from "../ballots/labels.ts";
import { computeTally } from "../results/tally.ts";
import type { KindModule } from "./types.ts";
import { invalidOption, readWriteIn } from "./write_in.ts";

export const single: KindModule = {
  name: "single",
  reads: { rankings: false, voters: false },

  readForm(_ballot, values) {
    return { option: values("option")[0] ?? "", write_in_value: values("write_in_value")[0] ?? "" };
  },

  validate(ballot, form) {
    if (form.option === RESERVED_OPTION) {
      const choice = readWriteIn(ballot, form.write_in_value);
      return "kind" in choice ? choice : { options: [choice], summary: choice.label };
    }
    if (!ballot.options.includes(form.option)) return invalidOption();
    const choice = {
      label: form.option,
      key: listedKey(ballot.options, form.option),
      writeIn: false,
    };
    return { options: [choice], summary: choice.label };
  },

  result(_ballot, counters) {
    return computeTally(counters.rows);
  },
};
