import { qrSvg } from "../lib/share/qr.ts";

export interface ShareBoxProps {
  url: string;
}

/**
 * The ballot's link, ready to copy (the copy button needs JavaScript; the field does not),
 * and as a QR code for phones in the room.
 */
export function ShareBox({ url }: ShareBoxProps) {
  return (
    <div class="share">
      <label for="share-url">share_link</label>
      <div class="share-row">
        <input id="share-url" type="text" readonly value={url} spellcheck={false} />
        <button type="button" class="btn" data-copy="#share-url" hidden>copy</button>
      </div>
      <span class="sr-only" role="status" data-copy-status></span>
      {/* qrSvg's markup holds only geometry and constant attributes: the link is never in it. */}
      <div class="share-qr" dangerouslySetInnerHTML={{ __html: qrSvg(url) }} />
    </div>
  );
}
