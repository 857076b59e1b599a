import { qrSvg } from "../lib/share/qr.ts";
import ShareButton from "../islands/ShareButton.tsx";
import { Island } from "./Island.tsx";

export interface ShareBoxProps {
  url: string;
  /** The ballot's question, for the share sheet. */
  title?: string;
}

/**
 * The ballot's link, ready to copy (the copy button needs JavaScript and a clipboard, so it
 * shows only where both are; the read-only field selects itself and works everywhere), the
 * phone's share sheet where there is one, and a QR code for phones in the room.
 */
export function ShareBox({ url, title }: ShareBoxProps) {
  return (
    <div class="share">
      <label for="share-url">share_link</label>
      <div class="share-row">
        <input id="share-url" type="text" readonly value={url} spellcheck={false} />
        <button type="button" class="btn" data-copy="#share-url" hidden>copy</button>
        <Island component={ShareButton} props={{ url, title: title ?? "" }} />
      </div>
      <span class="sr-only" role="status" data-copy-status></span>
      {/* qrSvg's markup holds only geometry and constant attributes: the link is never in it. */}
      <div class="share-qr" dangerouslySetInnerHTML={{ __html: qrSvg(url) }} />
    </div>
  );
}
