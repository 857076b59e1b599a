// Browser-side widgets that need browser state. Plain module, no build step,
// loaded with `defer` so no inline script is needed (strict CSP).

// Local-time picker: a datetime-local value has no zone, so record the
// browser's offset (minutes east of UTC) for that date beside it.
function syncOffset(input) {
  const form = input.form;
  const offsetField = form && form.querySelector("[data-tz-offset]");
  if (!offsetField) return;
  const local = input.value ? new Date(input.value) : new Date();
  if (!Number.isNaN(local.getTime())) {
    offsetField.value = String(-local.getTimezoneOffset());
  }
  const hint = input.parentElement && input.parentElement.querySelector("[data-tz-hint]");
  if (hint) hint.textContent = "(local_time)";
}

function enhance(root) {
  root.querySelectorAll("input[data-local-time]").forEach(syncOffset);
  root.querySelectorAll("button[data-copy]").forEach((button) => {
    button.hidden = !navigator.clipboard;
  });
}

document.addEventListener("input", (event) => {
  if (event.target.matches && event.target.matches("input[data-local-time]")) {
    syncOffset(event.target);
  }
});

// A field that belongs to one choice of a radio group (the create form's end:
// a duration, a custom duration, a date and time) picks that choice when used.
function pickChoice(event) {
  const field = event.target.closest && event.target.closest("[data-picks]");
  const radio = field && document.getElementById(field.dataset.picks);
  if (radio && !radio.checked) radio.checked = true;
}
document.addEventListener("input", pickChoice);
document.addEventListener("change", pickChoice);

document.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest("button[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  if (!source || !navigator.clipboard) return;
  const status = button.closest(".share")?.querySelector("[data-copy-status]");
  navigator.clipboard.writeText(source.value).then(() => {
    button.textContent = "copied";
    if (status) status.textContent = "link_copied";
    setTimeout(() => {
      button.textContent = "copy";
      if (status) status.textContent = "";
    }, 1500);
  }).catch(() => source.select());
});

// A read-only link field selects itself on focus, so copying works without the button too.
document.addEventListener("focusin", (event) => {
  if (event.target.matches && event.target.matches("input[readonly]")) event.target.select();
});

document.addEventListener("DOMContentLoaded", () => enhance(document));
document.addEventListener("htmx:load", (event) => enhance(event.target));

// A vote the network lost, or whose answer a proxy lost (502, 504), is sent
// again (three times, a second apart) with the same Idempotency-Key: the server
// counts one vote per key, so a copy that was recorded after all is not counted
// twice. Each new submission has a new key. Oponn's own 503 (its database is
// unreachable) is shown at once: nginx already tried the other replicas.
const RESEND_STATUSES = new Set([502, 504]);
const RESEND_TRIES = 3;
const RESEND_PAUSE_MS = 1000;

function voteForm(element) {
  return element && element.matches && element.matches("form[hx-post^='/vote/']") ? element : null;
}

function newVoteKey() {
  // Not crypto.randomUUID: that needs a secure context, and Oponn may be served over plain HTTP.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Schedules the same vote again; false once its tries are spent. The form stays
 * inert meanwhile, so that the copy sent again is the vote first sent.
 */
function resendVote(form) {
  const tries = Number(form.dataset.voteTries || "0");
  if (tries >= RESEND_TRIES) {
    delete form.dataset.voteKey;
    form.inert = false;
    return false;
  }
  form.dataset.voteTries = String(tries + 1);
  form.inert = true;
  setTimeout(() => {
    if (form.isConnected) form.requestSubmit();
  }, RESEND_PAUSE_MS);
  return true;
}

document.addEventListener("htmx:configRequest", (event) => {
  const form = voteForm(event.detail.elt);
  if (!form) return;
  if (!form.dataset.voteKey) {
    form.dataset.voteKey = newVoteKey();
    form.dataset.voteTries = "0";
  }
  event.detail.headers["Idempotency-Key"] = form.dataset.voteKey;
});

document.addEventListener("htmx:beforeSwap", (event) => {
  const form = voteForm(event.detail.elt);
  if (!form) return;
  if (RESEND_STATUSES.has(event.detail.xhr.status) && resendVote(form)) {
    event.detail.shouldSwap = false;
    return;
  }
  // Answered: whatever is submitted next is a new vote.
  delete form.dataset.voteKey;
  form.inert = false;
});

document.addEventListener("htmx:sendError", (event) => {
  const form = voteForm(event.detail.elt);
  if (form) resendVote(form);
});
