/**
 * A ranked ballot. The server's render is the no-JS version: a `rank_{i}`
 * select per option. Hydrated, it becomes two lists: the ranking (drag to
 * reorder, or with the keyboard: Space picks a row up, the arrows move it,
 * Space drops it, Escape puts it back; every move is announced) and the
 * options not ranked yet. The ranking is submitted as `ranking` fields in
 * order of preference.
 */
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";

export interface RankedBallotProps {
  options: string[];
  /** Each option's rank as the selects show it (`""`: unranked). */
  ranks: string[];
  /** The id of the message about the ranking, when there is one. */
  errorId: string | null;
}

/** The labels in order of their ranks (gaps and repeats as the selects would be read). */
function initialRanking(options: string[], ranks: string[]): string[] {
  return options.map((label, i) => ({ label, rank: Number(ranks[i] || NaN) }))
    .filter((entry) => entry.rank >= 1)
    .sort((a, b) => a.rank - b.rank)
    .map((entry) => entry.label);
}

export default function RankedBallot({ options, ranks, errorId }: RankedBallotProps) {
  const [live, setLive] = useState(false);
  const [ranking, setRanking] = useState(() => initialRanking(options, ranks));
  const [held, setHeld] = useState<{ label: string; from: number } | null>(null);
  const [said, setSaid] = useState("");
  const dragged = useRef<string | null>(null);
  const focusLabel = useRef<string | null>(null);
  const root = useRef<HTMLFieldSetElement>(null);

  useEffect(() => setLive(true), []);
  // Before the next key press can land: a row moved in the DOM loses focus.
  useLayoutEffect(() => {
    if (focusLabel.current === null) return;
    const target = [...(root.current?.querySelectorAll<HTMLElement>("[data-focus-key]") ?? [])]
      .find((el) => el.dataset.focusKey === focusLabel.current);
    target?.focus();
    focusLabel.current = null;
  });

  const describe = {
    "aria-describedby": errorId ?? undefined,
    "aria-invalid": errorId ? "true" as const : undefined,
  };

  if (!live) {
    return (
      <fieldset class="options ranked-options" {...describe}>
        <legend>
          rank_in_order <span class="hint">(1 = first choice; leave any unranked)</span>
        </legend>
        {options.map((option, index) => (
          <div class="rank-row" data-rank-option={option}>
            <select id={`rank-${index}`} name={`rank_${index}`} class="rank-select">
              <option value="" selected={(ranks[index] ?? "") === ""}>–</option>
              {options.map((_, r) => (
                <option value={String(r + 1)} selected={ranks[index] === String(r + 1)}>
                  {r + 1}
                </option>
              ))}
            </select>
            <label for={`rank-${index}`}>
              <bdi>{option}</bdi>
            </label>
          </div>
        ))}
      </fieldset>
    );
  }

  const unranked = options.filter((option) => !ranking.includes(option));
  const place = (label: string, to: number, focus = label) => {
    const rest = ranking.filter((item) => item !== label);
    const at = Math.max(0, Math.min(to, rest.length));
    setRanking([...rest.slice(0, at), label, ...rest.slice(at)]);
    focusLabel.current = focus;
    return at;
  };
  const add = (label: string) => {
    // Focus the next option still to rank, so Enter, Enter, … ranks them in turn.
    const next = unranked.find((option) => option !== label);
    place(label, ranking.length, next === undefined ? label : `add:${next}`);
    setSaid(`${label} ranked ${ranking.length + 1} of ${ranking.length + 1}.`);
  };
  const remove = (label: string) => {
    const index = ranking.indexOf(label);
    setRanking(ranking.filter((item) => item !== label));
    focusLabel.current = ranking[index + 1] ?? ranking[index - 1] ?? `add:${label}`;
    setSaid(`${label} removed from your ranking.`);
  };
  const move = (label: string, by: number) => {
    const to = place(label, ranking.indexOf(label) + by);
    setSaid(`${label} moved to rank ${to + 1} of ${ranking.length}.`);
  };

  const onKey = (event: KeyboardEvent, label: string) => {
    const index = ranking.indexOf(label);
    if (event.key === " " || event.key === "Enter") {
      event.preventDefault();
      if (held) {
        setHeld(null);
        setSaid(`${label} dropped at rank ${index + 1} of ${ranking.length}.`);
      } else {
        setHeld({ label, from: index });
        setSaid(
          `${label} picked up, rank ${index + 1} of ${ranking.length}. ` +
            "Use the up and down arrows to move it, space to drop it, escape to cancel.",
        );
      }
    } else if (event.key === "ArrowUp" || event.key === "ArrowDown") {
      event.preventDefault();
      const by = event.key === "ArrowUp" ? -1 : 1;
      if (held) move(label, by);
      else {
        const next = ranking[index + by];
        if (next) {
          focusLabel.current = next;
          setRanking([...ranking]);
        }
      }
    } else if (event.key === "Escape" && held) {
      event.preventDefault();
      place(label, held.from);
      setHeld(null);
      setSaid(`Move cancelled. ${label} is back at rank ${held.from + 1}.`);
    } else if (event.key === "Delete" || event.key === "Backspace") {
      event.preventDefault();
      setHeld(null);
      remove(label);
    }
  };

  return (
    <fieldset class="options ranked-options ranked-live" ref={root} {...describe}>
      <legend>
        rank_in_order{" "}
        <span class="hint" id="ranking-help">
          (drag, or focus a row and press space to pick it up, arrows to move, space to drop)
        </span>
      </legend>
      {ranking.length === 0
        ? <p class="muted ranking-empty">Nothing ranked yet: add options from the list below.</p>
        : (
          <ol class="ranking" aria-label="your ranking" data-ranking>
            {ranking.map((label, index) => (
              <li
                key={label}
                class={held?.label === label ? "ranking-row held" : "ranking-row"}
                data-ranked={label}
                draggable
                tabIndex={0}
                data-focus-key={label}
                aria-describedby="ranking-help"
                aria-label={`${label}, rank ${index + 1} of ${ranking.length}`}
                onKeyDown={(event) => onKey(event, label)}
                onDragStart={(event) => {
                  dragged.current = label;
                  event.dataTransfer?.setData("text/plain", label);
                }}
                onDragOver={(event) => event.preventDefault()}
                onDrop={(event) => {
                  event.preventDefault();
                  const label2 = dragged.current ?? event.dataTransfer?.getData("text/plain");
                  dragged.current = null;
                  if (!label2 || !options.includes(label2)) return;
                  place(label2, index);
                  setSaid(`${label2} moved to rank ${index + 1}.`);
                }}
              >
                <span class="rank-number" aria-hidden="true">{index + 1}</span>
                <span class="grip" aria-hidden="true">⠿</span>
                <bdi class="ranking-label">{label}</bdi>
                <span class="ranking-actions">
                  <button
                    type="button"
                    class="btn btn-small"
                    aria-label={`Move ${label} up`}
                    disabled={index === 0}
                    onClick={() => move(label, -1)}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    class="btn btn-small"
                    aria-label={`Move ${label} down`}
                    disabled={index === ranking.length - 1}
                    onClick={() => move(label, 1)}
                  >
                    ↓
                  </button>
                  <button
                    type="button"
                    class="btn btn-small"
                    aria-label={`Remove ${label} from the ranking`}
                    onClick={() => remove(label)}
                  >
                    ×
                  </button>
                </span>
                <input type="hidden" name="ranking" value={label} />
              </li>
            ))}
          </ol>
        )}
      {unranked.length > 0 && (
        <ul
          class="unranked"
          aria-label="not ranked"
          onDragOver={(event) => event.preventDefault()}
          onDrop={(event) => {
            event.preventDefault();
            const label = dragged.current;
            dragged.current = null;
            if (label && ranking.includes(label)) remove(label);
          }}
        >
          {unranked.map((label) => (
            <li
              key={label}
              class="unranked-row"
              draggable
              data-unranked={label}
              onDragStart={(event) => {
                dragged.current = label;
                event.dataTransfer?.setData("text/plain", label);
              }}
            >
              <button
                type="button"
                class="btn btn-small"
                data-focus-key={`add:${label}`}
                aria-label={`Rank ${label}`}
                onClick={() => add(label)}
              >
                + rank
              </button>
              <bdi>{label}</bdi>
            </li>
          ))}
        </ul>
      )}
      <p class="sr-only" role="status" aria-live="assertive" data-announce>{said}</p>
    </fieldset>
  );
}
