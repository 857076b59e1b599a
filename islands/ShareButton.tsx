/**
 * The phone's share sheet for the vote link, where the browser has one
 * (`navigator.share`): nothing at all where it has not, nor without JavaScript,
 * so no button is ever shown that cannot work.
 */
import { useEffect, useState } from "preact/hooks";

export interface ShareButtonProps {
  url: string;
  /** The ballot's question, as the shared item's title ("" for none). */
  title: string;
}

export default function ShareButton({ url, title }: ShareButtonProps) {
  // Absent until mounted: the server's render (and the first one here) has no button.
  const [canShare, setCanShare] = useState(false);
  useEffect(() => setCanShare(typeof navigator.share === "function"), []);
  if (!canShare) return null;
  const share = () => {
    // The reader closing the sheet rejects with AbortError: nothing to report.
    navigator.share(title ? { title, url } : { url }).catch(() => {});
  };
  return <button type="button" class="btn" data-share onClick={share}>share</button>;
}
