/**
 * A staff form and the phone's outbox (issue 12), for send.js: with no connection the answers
 * go into the outbox (outbox.js) under their response id, out of the draft, and the page says
 * they are kept and will go by themselves; once the server acknowledges a form, its receipt
 * is kept (and the same id leaves the outbox, if it was waiting there).  The form says what
 * it belongs to in data-outbox (formpages.outbox_info), the bar of base.html whose answers
 * they are; the words shown come with the form (templates/macros/survey.html).  A visit's
 * checklist already waiting opens as waiting, not as a blank second form.
 */
import { bodyOf, openOutbox } from './outbox.js';

/** What the answers belong to, and whose they are on this phone. */
function about(ui) {
  const user = Number(document.querySelector('[data-outbox]')?.dataset.user) || null;
  return { ...JSON.parse(ui.form.dataset.outbox || '{}'), user };
}

/** Keep the form's answers in the outbox; false when the phone cannot store them. */
export async function keep(ui, id, sent) {
  const { form } = ui;
  const url = new URL(form.action, window.location.href);
  try {
    await openOutbox().put({
      ...about(ui), id, url: url.pathname + url.search, body: bodyOf(new FormData(form)),
      draftKey: ui.draftKey, savedAt: new Date().toISOString(), state: 'waiting',
    });
  } catch {
    return false; // private mode, a full disk: the usual failure is shown, the form kept
  }
  ui.forgetDraft();
  ui.draftKey = null;
  sent();
  showKept(ui);
  window.dispatchEvent(new Event('outbox'));
  return true;
}

/**
 * A visit has one checklist: one already waiting on this phone is said in place of the form
 * (a kept page opens with a new response id, which the server would refuse as a second one).
 */
export async function waiting(ui) {
  const { visit, user } = about(ui);
  const items = await openOutbox().items(user).catch(() => []);
  if (items.some((item) => item.visit === visit && item.state === 'waiting')) showKept(ui);
}

/** The server has the answers: a receipt on the phone, and out of the outbox if there. */
export async function receipt(ui, id, url) {
  try {
    await openOutbox().acknowledge({ ...about(ui), id }, url);
  } catch {
    // a receipt is a comfort: the response page that opens next is the proof
  }
}

/** "Saved on this phone", in place of the form, with the ways on (survey.html's words). */
function showKept(ui) {
  document.getElementById('form-errors')?.remove();
  ui.form.hidden = true;
  ui.form.before(document.getElementById('send-kept-template').content.cloneNode(true));
  const box = ui.form.previousElementSibling;
  box.focus({ preventScroll: true });
  box.scrollIntoView({ block: 'center' });
}
