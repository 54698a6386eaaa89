// The poll page: skip logic and checks come from survey-form.js; this file keeps the
// "already answered on this phone" marker (the server also sets a signed cookie).
import { startForm } from "./survey-form.js";

startForm();

const KEY = (token) => `poll-done:${token}`;

const done = document.querySelector("[data-poll-done]");
if (done) {
  try { localStorage.setItem(KEY(done.dataset.pollDone), "1"); } catch { /* private mode */ }
}

const form = document.querySelector("form[data-poll]");
if (form) {
  let answered = false;
  try { answered = localStorage.getItem(KEY(form.dataset.poll)) === "1"; } catch { /* ignore */ }
  if (answered) {
    form.hidden = true;
    document.querySelector(".done-here").hidden = false;
  }
}
