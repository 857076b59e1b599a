/** One counter row as the store reads it. */
export interface TallyRow {
  label: string;
  votes: number;
  writeIn: boolean;
  /** Set on the one row that stands for this many write-ins not listed one by one. */
  collapsed?: number;
}

/** A page of a ballot's write-ins, most votes first. */
export interface WriteInPage {
  rows: TallyRow[];
  /** Distinct write-ins the ballot holds. */
  writeIns: number;
  /** Votes on the whole ballot (the base of each share). */
  total: number;
}
