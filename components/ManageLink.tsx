export interface ManageLinkProps {
  url: string;
}

/** Shown to the owner only: the link that manages the ballot from any browser. */
export function ManageLink({ url }: ManageLinkProps) {
  return (
    <div class="share manage-link panel">
      <label for="manage-url">manage_link</label>
      <div class="share-row">
        <input id="manage-url" type="text" readonly value={url} spellcheck={false} />
        <button type="button" class="btn" data-copy="#manage-url" hidden>copy</button>
      </div>
      <span class="sr-only" role="status" data-copy-status></span>
      <p class="hint">
        Keep this link private: anyone who has it can close, re-time or delete this ballot.
      </p>
      <p>
        <a data-manage-link href={url}>open_manage_page</a>
      </p>
    </div>
  );
}
