/** "winner: a" / "tie: a, b": each winner marked with `data-winner` (SPEC, hooks for scripts). */
export function WinnerLine({ lead, winners }: { lead: string; winners: string[] }) {
  return (
    <p class="winner">
      {lead}
      {winners.map((label, index) => (
        <>
          {index > 0 && ", "}
          <strong data-winner={label}>
            <bdi>{label}</bdi>
          </strong>
        </>
      ))}
    </p>
  );
}
