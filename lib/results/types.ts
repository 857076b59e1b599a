/** One counter row as the store reads it. */
export interface TallyRow {
  label: string;
  votes: number;
  writeIn: boolean;
}
