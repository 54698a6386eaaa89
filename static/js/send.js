/**
 * Sending a survey form by script, so that a failed send costs nothing: the answers stay in
 * the page (and in the draft) until the server has acknowledged them.  survey-form.js
 * imports this module when the person starts answering and calls `send` on Send.
 *
 * The body is the form's own urlencoded fields, as a plain POST would send them, with
 * `Accept: application/json`; the views then answer JSON (catalog.fill, catalog.preview,
 * polls.answer, and errors.render_error for every error status).  `post` never throws: it
 * resolves to one outcome, `{kind, ...}`.  A staff form (data-outbox) sent with no
 * connection waits in the phone's outbox instead (outbox-form.js, fetched only for those
 * forms: never on a poll page).
 */

import { post } from './post.js';

export { TIMEOUT_MS, outcome, post } from './post.js';

/**
 * Send the form of `ui` (a SurveyForm) and show what came of it; true when the server
 * acknowledged the answers and the page is on its way to the response (or thanks) page.
 */
export async function send(ui) {
  const { form } = ui;
  showSending(ui, true);
  const responseId = form.elements.namedItem('_response_id')?.value ?? '';
  const token = form.elements.namedItem('csrf_token');
  const body = () => new URLSearchParams(new FormData(form)); // as a plain POST would
  let result = await post(form.action, body(), { responseId });
  if (result.kind === 'stale' && result.csrfToken) {
    // Still signed in, only the form's token had aged: once more with the new one.
    token.value = result.csrfToken;
    result = await post(form.action, body(), { responseId });
  }
  // A staff form with no connection waits in the phone's outbox (outbox-form.js, issue 12).
  const outbox = 'outbox' in form.dataset ? await import('./outbox-form.js').catch(() => null)
    : null;
  if (outbox && ['network', 'noAck'].includes(result.kind)
      && await outbox.keep(ui, responseId, () => showSending(ui, false))) {
    return true;
  }
  if (result.kind === 'sent') {
    await outbox?.receipt(ui, responseId, result.url);
    ui.forgetDraft();
    ui.draftKey = null; // nothing typed while the next page loads brings the draft back
    window.location.assign(result.url);
    return true;
  }
  showSending(ui, false);
  if (result.kind === 'stale' && result.csrfToken) token.value = result.csrfToken;
  if (result.kind === 'checked') showChecked(ui, result.message);
  else if (result.kind === 'invalid') showServerErrors(ui, result);
  else showFailure(ui, result);
  return false;
}

/** The preview's "all answers are valid", in the page: the answers stay as they are. */
function showChecked(ui, message) {
  document.getElementById('form-errors')?.remove();
  ui.forgetDraft();
  let note = document.getElementById('send-checked');
  if (!note) {
    note = document.createElement('p');
    note.id = 'send-checked';
    note.className = 'flash flash-success';
    note.setAttribute('role', 'status');
    ui.form.before(note);
  }
  note.textContent = message ?? '';
  note.scrollIntoView({ block: 'center' });
}

/** Problems only the server found: shown where its own page shows them, answers untouched. */
function showServerErrors(ui, { errors, message }) {
  const problems = [];
  for (const [name, text] of Object.entries(errors)) {
    if (name === '__form__' || !ui.errorPlace(name)) continue;
    ui.showError(name, text);
    problems.push({ name, message: text });
  }
  if (problems.length) {
    ui.showSummary(problems);
    ui.focusField(problems[0].name);
  }
  if (problems.length < Object.keys(errors).length) {
    showFailure(ui, { kind: 'refused', message: errors.__form__ ?? message });
  }
}

/** While sending: the send button says so and cannot be pressed twice. */
function showSending(ui, on) {
  document.getElementById('send-failure')?.remove();
  for (const button of ui.form.querySelectorAll('button[type=submit]')) {
    button.disabled = on;
    if (!button.textContent.trim()) continue; // the hidden one that catches Enter
    button.dataset.label ??= button.textContent;
    button.textContent = on ? ui.messages.sending : button.dataset.label;
  }
  ui.form.toggleAttribute('aria-busy', on);
}

/** Why the answers were not sent and what to do, just above the button that sends again. */
function showFailure(ui, result) {
  const m = ui.messages;
  const key = `send${result.kind[0].toUpperCase()}${result.kind.slice(1)}`;
  const box = document.createElement('div');
  box.id = 'send-failure';
  box.className = 'alert send-failure';
  box.setAttribute('role', 'alert');
  box.tabIndex = -1;
  const lines = [m.sendFailed, result.message ?? m[key] ?? m.sendRefused, m.sendKept];
  box.append(...lines.map((line, i) => {
    const p = document.createElement('p');
    if (i === 0) p.append(Object.assign(document.createElement('strong'), { textContent: line }));
    else p.textContent = line;
    return p;
  }));
  if (result.kind === 'session' && result.loginUrl) {
    // the one way forward; the send button keeps its name (it works once signed in again)
    const link = document.createElement('a');
    link.className = 'button primary';
    link.href = result.loginUrl;
    link.textContent = m.signInAgain;
    link.addEventListener('click', () => ui.saveSoon.flush());
    box.append(link);
  } else {
    for (const button of ui.form.querySelectorAll('button[data-label]')) {
      button.textContent = m.sendAgain;
    }
  }
  ui.form.querySelector('.form-actions, button.send').before(box);
  box.focus({ preventScroll: true });
  box.scrollIntoView({ block: 'center' });
}
