export interface AlreadyVotedProps {
  ballotId: string;
}

/** Instead of the form, for a browser that has voted on a one-vote ballot. */
export function AlreadyVoted({ ballotId }: AlreadyVotedProps) {
  return (
    <div class="panel already-voted" data-already-voted>
      <p class="prompt sub">you_have_voted</p>
      <p>Your vote on this ballot is recorded. Each voter votes once.</p>
      <p>
        <a href={`/results/${ballotId}`}>view_results</a>
      </p>
    </div>
  );
}
