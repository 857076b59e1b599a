/**
 * The question box's count, `n / 255`, following each key press. The server's
 * render (the no-JavaScript version) states the limit; once mounted it counts
 * what is in the box (characters as the server counts them: code points).
 * Screen readers hear the count when they reach the box (it describes it) and
 * are told, politely, only when few characters are left.
 */
import { useEffect, useState } from "preact/hooks";

export interface QuestionCountProps {
  /** The id of the textarea counted. */
  target: string;
  max: number;
}

const WARN_LEFT = 20;

export function countOf(text: string): number {
  return [...text].length;
}

export default function QuestionCount({ target, max }: QuestionCountProps) {
  const [count, setCount] = useState<number | null>(null);
  useEffect(() => {
    const box = document.getElementById(target) as HTMLTextAreaElement | null;
    if (!box) return;
    const update = () => setCount(countOf(box.value));
    update();
    box.addEventListener("input", update);
    return () => box.removeEventListener("input", update);
  }, [target]);

  const left = count === null ? max : max - count;
  return (
    <span class="char-count-wrap">
      <span
        id={`${target}-count`}
        class={left < 0 ? "hint char-count over" : "hint char-count"}
        data-char-count={count === null ? undefined : String(count)}
      >
        {count === null ? `(up to ${max} characters)` : `${count} / ${max}`}
      </span>
      <span class="sr-only" aria-live="polite">
        {count !== null && left <= WARN_LEFT
          ? left >= 0 ? `${left} characters left.` : `${-left} characters too many.`
          : ""}
      </span>
    </span>
  );
}
