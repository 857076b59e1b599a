export interface CastButtonProps {
  active: boolean;
}

export function CastButton({ active }: CastButtonProps) {
  return (
    <button type="submit" class="btn btn-primary" id="cast-vote" disabled={!active}>
      cast_vote
    </button>
  );
}
