export interface CodesPageProps {
  ballotId: string;
  measure: string;
  codes: string[];
  manageUrl: string;
}

/**
 * One-time voter codes, shown exactly once: only their hashes are kept. The
 * CSV download is built into the page (a data: link), so no second request
 * could ever fetch them again.
 */
export function CodesPage({ ballotId, measure, codes, manageUrl }: CodesPageProps) {
  const csv = "code\r\n" + codes.join("\r\n") + "\r\n";
  const href = `data:text/csv;charset=utf-8,${encodeURIComponent(csv)}`;
  return (
    <section class="codes" aria-labelledby="codes-heading">
      <h1 id="codes-heading" class="prompt">voter_codes</h1>
      <p class="codes-measure" dir="auto">
        {measure}
      </p>
      <p class="notice" role="status">
        These {codes.length}{" "}
        codes are shown once: print them or download them now. Each code casts one vote on this
        ballot; only a fingerprint of it is stored, so nobody can see them again.
      </p>
      <p class="page-links no-print">
        <a class="btn btn-primary" href={href} download={`voter-codes-${ballotId}.csv`}>
          download_csv
        </a>
        <a href={manageUrl}>back_to_manage</a>
      </p>
      <ol class="code-list">
        {codes.map((code) => (
          <li>
            <code data-voter-code={code}>{code}</code>
          </li>
        ))}
      </ol>
    </section>
  );
}
