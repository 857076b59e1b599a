/**
 * `approval`: a checkbox per option (repeated field `option`), at most
 * `max_choices` of them; a write-in counts as one choice. Shares are of
 * voters, so they add up to more than 100%.
 */
import { listedKey, RESERVED_OPTION } from "../ballots/labels.ts";
import { computeTally } from "../results/tally.ts";
import type { KindModule, OptionChoice } from "./types.ts";
import { invalidOption, readWriteIn } from "./write_in.ts";

export const CHOOSE_ONE = "Choose at least one option.";
// Worded exactly as SPEC section 7 has it, whatever N.
export const chooseAtMost = (n: number) => `Choose at most ${n} options.`;

export const approval: KindModule = {
  name: "approval",
  reads: { rankings: false, voters: true },

  readForm(_ballot, values) {
    const options = values("option");
    return {
      option: options[0] ?? "",
      options,
      write_in_value: values("write_in_value")[0] ?? "",
    };
  },

  validate(ballot, form) {
    const named = form.options ?? (form.option === "" ? [] : [form.option]);
    const chosen: OptionChoice[] = [];
    const seen = new Set<string>();
    const add = (choice: OptionChoice) => {
      if (seen.has(choice.key)) return;
      seen.add(choice.key);
      chosen.push(choice);
    };
    // Listed options first, so a write-in that names one merges into it.
    for (const option of new Set(named)) {
      if (option === RESERVED_OPTION) continue;
      if (!ballot.options.includes(option)) return invalidOption();
    }
    for (const option of ballot.options) {
      if (named.includes(option)) {
        add({ label: option, key: listedKey(ballot.options, option), writeIn: false });
      }
    }
    if (named.includes(RESERVED_OPTION)) {
      const choice = readWriteIn(ballot, form.write_in_value);
      if ("kind" in choice) return choice;
      add(choice);
    }
    if (chosen.length === 0) return { kind: "invalid", field: "option", message: CHOOSE_ONE };
    // Ballot order (a write-in naming a listed option takes its place), write-ins last.
    const at = (choice: OptionChoice) =>
      choice.writeIn ? Infinity : ballot.options.indexOf(choice.label);
    chosen.sort((x, y) => at(x) - at(y));
    if (ballot.maxChoices !== null && chosen.length > ballot.maxChoices) {
      return { kind: "invalid", field: "option", message: chooseAtMost(ballot.maxChoices) };
    }
    return { options: chosen, summary: chosen.map((choice) => choice.label).join(", ") };
  },

  result(_ballot, counters) {
    return computeTally(counters.rows, counters.voters);
  },
};
