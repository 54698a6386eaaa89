/**
 * Survey forms, enhanced.  templates/macros/survey.html renders a form that works
 * without JavaScript (the server checks everything and shows its errors); this module
 * adds, on top of that same HTML:
 *
 * - skip logic: questions, matrix rows and sections whose show-if fails are hidden, and
 *   their inputs disabled so they are not posted (the server would drop them anyway);
 * - live checks with the server's rules (skip-logic.js) and error text placed where the
 *   server puts it, plus a summary and focus on the first problem when sending;
 * - pages (`layout: pages`): one relevant section at a time, Back/Next and a progress bar;
 * - drafts kept on the device when the form has data-draft-key (draft-store.js);
 * - sending by script (send.js): the answers stay in the page and in the draft until the
 *   server has acknowledged them; a lost connection, an ended session, a 413, a 429 or a 5xx
 *   says what happened and what to do, and the same button sends again.  Without
 *   JavaScript the form posts as a plain form.
 *
 * Data comes from the form's data-schema (rendering.client_schema) and data-messages
 * (formpages.form_messages, already translated).  Repeats, indicators and server drafts are
 * staff-form.js's: the poll page (poll.js) loads only this module.
 */
import {
  checkAnswer, fieldInfo, isRelevant, relevance,
} from './skip-logic.js';
import { clearDraft, debounce, keepsLocalDraft, loadDraft, saveDraft } from './draft-store.js';
import { formatNumber } from './numbers.js';

const CONTROL_NAME = /^_|^csrf_token$/;
const QUESTION = '.q[data-field], .matrix-row[data-field]';

/** The HTML id of a field name, as rendering.field_id makes it. */
function fieldId(name) {
  return `f-${name.replaceAll('.', '-')}`;
}

export function fill(template, params = {}) {
  return template.replace(/\{(\w+)\}/g, (whole, key) => (key in params ? params[key] : whole));
}

export class SurveyForm {
  constructor(form) {
    this.form = form;
    this.schema = JSON.parse(form.dataset.schema);
    this.messages = JSON.parse(form.dataset.messages || '{}');
    this.paged = this.schema.layout !== 'single';
    this.draftKey = form.dataset.draftKey || null;
    this.draftWhere = form.dataset.draftStore === 'session' ? 'session' : 'local';
    // a team's draft on the server, shown by the page (a visit's checklist)
    this.serverDraftAt = form.dataset.serverDraftAt || null;
    this.sending = false;
    this.state = null;
    this.page = null; // the section shown when paged
    this.saveSoon = debounce(() => this.saveDraft(), 400);
  }

  start() {
    for (const repeat of this.form.querySelectorAll('.q-repeat')) this.setUpRepeat(repeat);
    const initial = this.snapshot();
    const returnedWithErrors = Boolean(document.getElementById('form-errors'));
    // data-draft-fresh: the server has just kept these very answers (a draft saved there):
    // they are newer than the device's draft, which takes them over.
    const fresh = 'draftFresh' in this.form.dataset;
    const saved = this.draftKey ? loadDraft(this.draftKey, this.draftWhere) : null;
    // a key reused by another survey (or an older page) must not pour its answers in here
    const ours = saved?.survey === this.schema.key ? saved : null;
    // a team's draft kept on the server since (a visit's checklist) beats the device's
    const draft = fresh || !keepsLocalDraft(ours, this.serverDraftAt) ? null : ours;
    // After a refused POST the page shows what was just sent: newer than any draft.
    const restore = draft && !returnedWithErrors && !this.sameAsForm(draft);
    if (restore) {
      this.apply(draft);
      this.showDraftNotice(initial);
    } else if (document.documentElement.hasAttribute('data-offline-copy') && crypto.randomUUID) {
      // The page kept on the phone (sw.js) is opened for each new form: each gets its own id.
      this.form.elements.namedItem('_response_id').value = crypto.randomUUID();
    }
    this.refresh();
    for (const p of this.form.querySelectorAll('p.change[data-change-for]')) this.updateChange(p);
    // A draft from the outbox (outbox-page.js) brings the server's refusal: shown in place.
    const refused = restore && draft.errors ? this.showErrors(draft.errors) : [];
    // back on the page the person was on when the server kept the draft
    if (this.paged) this.setUpPages(restore || fresh ? ours?.page : null);
    if (refused.length) this.showSummary(refused);
    if (restore) {
      // A reload would put the person back mid-page, past the notice and the progress bar.
      if ('scrollRestoration' in window.history) window.history.scrollRestoration = 'manual';
      this.form.querySelector('.draft-notice').scrollIntoView({ block: 'center' });
    }
    this.listen();
    if (this.draftKey && (returnedWithErrors || fresh)) this.saveDraft();
    // a visit's checklist already waiting in the phone's outbox (issue 12)
    if (JSON.parse(this.form.dataset.outbox || '{}').visit) {
      import('./outbox-form.js').then((outbox) => outbox.waiting(this), () => {});
    }
  }

  listen() {
    const { form } = this;
    form.addEventListener('input', (event) => this.onEdit(event.target, false));
    form.addEventListener('change', (event) => this.onEdit(event.target, true));
    form.addEventListener('click', (event) => this.onClick(event));
    form.addEventListener('keydown', (event) => this.onKeydown(event));
    form.addEventListener('submit', (event) => this.onSubmit(event));
    // A timer never fires once the page is gone: save what is pending right away.
    window.addEventListener('pagehide', () => this.saveSoon.flush());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') this.saveSoon.flush();
    });
  }

  // ------------------------------------------------------------------ answers

  /** Every answer field as the form would post it, disabled ones too: {name: [text]}. */
  answers() {
    const values = {};
    for (const control of this.form.elements) {
      const { name, type } = control;
      if (!name || CONTROL_NAME.test(name) || control.tagName === 'BUTTON') continue;
      values[name] ??= [];
      if ((type === 'radio' || type === 'checkbox') && !control.checked) continue;
      values[name].push(control.value);
    }
    return values;
  }

  /** Rows per repeat, as shown (the page may hold blank rows the answers don't show). */
  rowCounts() {
    const rows = {};
    for (const repeat of this.form.querySelectorAll('.q-repeat')) {
      rows[repeat.dataset.field] = repeat.querySelectorAll('.repeat-row').length;
    }
    return rows;
  }

  snapshot() {
    return {
      values: this.answers(),
      rows: this.rowCounts(),
      responseId: this.form.elements.namedItem('_response_id')?.value ?? '',
    };
  }

  sameAsForm(draft) {
    const now = this.snapshot();
    const filled = (values) => JSON.stringify(Object.entries(values)
      .filter(([, list]) => list.some((text) => text.trim() !== '')).sort());
    return filled(now.values) === filled(draft.values);
  }

  /** Put a snapshot (or a draft) into the form: rows first, then every value. */
  apply({ values, rows, responseId }) {
    for (const repeat of this.form.querySelectorAll('.q-repeat')) {
      const count = rows?.[repeat.dataset.field] ?? 1;
      const wanted = Math.max(1, Math.min(count, this.maxRows(repeat)));
      const list = repeat.querySelector('.repeat-rows');
      while (list.children.length > wanted) list.lastElementChild.remove();
      while (list.children.length < wanted) this.addRow(repeat, { quiet: true });
      this.updateRowButtons(repeat);
    }
    for (const control of this.form.elements) {
      const { name, type } = control;
      if (!name || CONTROL_NAME.test(name) || control.tagName === 'BUTTON') continue;
      const list = values[name] ?? [];
      if (type === 'radio' || type === 'checkbox') control.checked = list.includes(control.value);
      else control.value = list[0] ?? '';
    }
    const id = this.form.elements.namedItem('_response_id');
    if (id && responseId) id.value = responseId;
  }

  // ------------------------------------------------------------------ skip logic

  /** The field name a question element stands for (inside a repeat: `rep.N.key`). */
  nameOf(element) {
    const row = element.closest('.repeat-row');
    if (!row) return element.dataset.field;
    const repeat = row.closest('.q-repeat').dataset.field;
    return `${repeat}.${row.dataset.index}.${element.dataset.field}`;
  }

  /** Recompute relevance from the answers and show or hide what depends on it. */
  refresh() {
    const answers = this.answers();
    this.state = relevance(this.schema, answers, { rows: this.rowCounts() });
    for (const section of this.form.querySelectorAll('section[data-section]')) {
      this.setSkipped(section, this.state.sections[section.dataset.section] === false);
    }
    for (const element of this.form.querySelectorAll(QUESTION)) {
      this.setSkipped(element, !isRelevant(this.schema, this.state, this.nameOf(element)));
    }
    for (const control of this.form.querySelectorAll('input, select, textarea, button')) {
      if (control.type === 'submit' || control.closest('.form-actions, .draft-notice')) continue;
      const skipped = Boolean(control.closest('[data-skipped]'));
      if (control.disabled !== skipped) control.disabled = skipped;
    }
    if (this.paged && this.page) this.showPage(this.currentOrNext());
    return answers;
  }

  setSkipped(element, skipped) {
    const was = element.hasAttribute('data-skipped');
    if (skipped === was && !element.matches('section')) return;
    element.toggleAttribute('data-skipped', skipped);
    if (element.matches('section')) {
      element.hidden = skipped || (this.paged && this.page !== null && element !== this.page);
    } else {
      element.hidden = skipped;
    }
    if (skipped && !was) {
      // a hidden question is never in error: drop what it showed
      for (const error of element.querySelectorAll('p.error')) this.clearErrorElement(error);
    }
  }

  // ------------------------------------------------------------------ events

  onEdit(target, committed) {
    if (!target.name || CONTROL_NAME.test(target.name)) return;
    if (!this.senderModule) this.sender().catch(() => {}); // ready before Send is pressed
    const answers = this.refresh();
    const change = this.form.querySelector(
      `p.change[data-change-for="${CSS.escape(target.name.replace(/\.baseline$/, ''))}"]`,
    );
    if (change) this.updateChange(change);
    // Check on change (blur or a tap on a choice); while typing, only update a shown error.
    if (committed || document.getElementById(`${fieldId(target.name)}-err`)) {
      this.check(target.name, answers);
    }
    if (this.draftKey) this.saveSoon();
  }

  onClick(event) {
    const button = event.target.closest('button');
    if (!button || !this.form.contains(button)) return;
    if (button.matches('.add-row')) {
      event.preventDefault();
      this.addRow(button.closest('.q-repeat'));
    } else if (button.matches('.remove-row')) {
      this.removeRow(button.closest('.repeat-row'));
    } else if (button.matches('.page-next')) {
      this.next();
    } else if (button.matches('.page-prev')) {
      this.go(-1);
    }
  }

  /** Enter in a one-line field on an early page means Next, not "send the whole form". */
  onKeydown(event) {
    if (event.key !== 'Enter' || !this.paged || !this.page) return;
    const { target } = event;
    const oneLine = target.tagName === 'INPUT'
      && !['radio', 'checkbox', 'submit', 'button'].includes(target.type);
    if (!oneLine) return;
    if (this.pages().at(-1) === this.page) return;
    event.preventDefault();
    this.next();
  }

  onSubmit(event) {
    // A button marked data-plain (keep a draft on the server, fill in figures) posts the
    // form as it stands, unchecked: a draft may be partial.  The device's draft stays until
    // the page that comes back says the server has the answers (data-draft-fresh).
    if (event.submitter?.hasAttribute('data-plain')) {
      if (this.draftKey) {
        this.saveSoon.cancel();
        this.saveDraft(); // with the part shown, to come back to it
      }
      return;
    }
    event.preventDefault();
    if (this.sending) return; // a second tap while the first send is on its way
    const problems = this.checkAll(this.form);
    if (problems.length) {
      this.showSummary(problems);
      this.focusField(problems[0].name);
      return;
    }
    this.send();
  }

  // ------------------------------------------------------------------ sending

  /**
   * Send by script (send.js): the draft is written first and cleared only by the server's
   * acknowledgement, so every failure keeps the answers.  send.js is fetched once the
   * person starts answering, not with the page (the poll's first-load budget).
   */
  async send() {
    this.sending = true;
    if (this.draftKey) {
      this.saveSoon.cancel();
      this.saveDraft();
    }
    const sender = await this.sender().catch(() => null);
    // true once acknowledged: the page is leaving, a second tap must not send again
    this.sending = sender ? await sender.send(this) : this.offline();
  }

  /** send.js, fetched once; a failed fetch is tried again next time. */
  sender() {
    this.senderModule ??= import('./send.js').catch((error) => {
      this.senderModule = null;
      throw error;
    });
    return this.senderModule;
  }

  /** send.js cannot even be fetched (or a draft cannot reach the server): no connection.
   * Say so; everything stays. */
  offline(text) {
    const m = this.messages;
    document.getElementById('send-failure')?.remove();
    const box = document.createElement('p');
    box.id = 'send-failure';
    box.className = 'alert send-failure';
    box.setAttribute('role', 'alert');
    box.textContent = text ?? `${m.sendFailed} ${m.sendNetwork} ${m.sendKept}`;
    this.form.querySelector('.form-actions, button.send').before(box);
    box.scrollIntoView({ block: 'center' });
    return false;
  }

  /** The acknowledgement came: the draft has served. */
  forgetDraft() {
    if (!this.draftKey) return;
    this.saveSoon.cancel();
    clearDraft(this.draftKey, this.draftWhere);
  }

  // ------------------------------------------------------------------ checks and errors

  /** Show the server's messages ({name: text}) where it would; the problems shown. */
  showErrors(errors) {
    const shown = Object.entries(errors).filter(([name]) => this.errorPlace(name));
    for (const [name, message] of shown) this.showError(name, message);
    return shown.map(([name, message]) => ({ name, message }));
  }

  /** Check one field, show or clear its error; returns the problem or null. */
  check(name, answers = this.answers()) {
    if (!this.state || !Object.hasOwn(this.state.fields, name)) return null;
    const problem = checkAnswer(this.schema, this.state, answers, name);
    if (problem) this.showError(name, this.messageFor(problem, name));
    else this.clearError(name);
    return problem;
  }

  /** Check every relevant field inside `root`; the problems in page order. */
  checkAll(root) {
    const answers = this.refresh();
    const names = new Set();
    for (const control of root.querySelectorAll('input, select, textarea')) {
      const { name } = control;
      if (name && !control.disabled && Object.hasOwn(this.state.fields, name)) names.add(name);
    }
    const problems = [];
    for (const name of names) {
      const problem = this.check(name, answers);
      if (problem) problems.push({ name, message: this.messageFor(problem, name) });
    }
    return problems;
  }

  /**
   * The words for a problem, from data-messages.  The more precise keys the server's own
   * wording needs (range, requiredMultiple, requiredRow) are used when the page has them.
   */
  messageFor(problem, name) {
    if (problem.code === 'constraint' && problem.message) return problem.message;
    // bounds are numbers, written as the page writes numbers; suggestions are text already
    const params = Object.fromEntries(Object.entries(problem.params ?? {})
      .map(([key, value]) => [key, typeof value === 'number' ? formatNumber(value) : value]));
    const type = fieldInfo(this.schema, name)?.rules.type;
    const precise = {
      min: 'max' in params ? 'range' : null,
      max: 'min' in params ? 'range' : null,
      required: { multiple_choice: 'requiredMultiple', matrix_row: 'requiredRow' }[type] ?? null,
    }[problem.code];
    const { messages } = this;
    return fill(messages[precise] ?? messages[problem.code] ?? messages.constraint ?? '', params);
  }

  /** Where a field's error goes and what it describes, matching survey.html. */
  errorPlace(name) {
    const control = this.form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (!control) return null;
    const row = control.closest('.matrix-row');
    if (row) return { box: row, described: row.querySelector('[role=radiogroup]'), question: row };
    const question = control.closest('.q');
    const group = control.type === 'radio' || control.type === 'checkbox';
    const fieldset = control.closest('fieldset');
    return {
      box: fieldset && fieldset.closest('.q') === question ? fieldset : question,
      described: group ? fieldset : control,
      question,
    };
  }

  showError(name, message) {
    const place = this.errorPlace(name);
    if (!place) return;
    const id = `${fieldId(name)}-err`;
    let error = document.getElementById(id);
    if (!error) {
      error = document.createElement('p');
      error.className = 'error';
      error.id = id;
      place.box.append(error);
    }
    error.textContent = message;
    place.question.classList.add('has-error');
    if (place.described) {
      place.described.setAttribute('aria-invalid', 'true');
      const ids = (place.described.getAttribute('aria-describedby') || '').split(/\s+/);
      if (!ids.includes(id)) {
        place.described.setAttribute('aria-describedby', [...ids, id].filter(Boolean).join(' '));
      }
    }
  }

  clearError(name) {
    const error = document.getElementById(`${fieldId(name)}-err`);
    if (error) this.clearErrorElement(error);
  }

  clearErrorElement(error) {
    const { id } = error;
    for (const described of this.form.querySelectorAll('[aria-describedby]')) {
      const ids = described.getAttribute('aria-describedby').split(/\s+/);
      if (!ids.includes(id)) continue;
      const rest = ids.filter((other) => other && other !== id);
      if (rest.length) described.setAttribute('aria-describedby', rest.join(' '));
      else described.removeAttribute('aria-describedby');
      if (!rest.some((other) => other.endsWith('-err'))) described.removeAttribute('aria-invalid');
    }
    const box = error.closest('.matrix-row, .q');
    error.remove();
    if (box && !box.querySelector('p.error')) box.classList.remove('has-error');
    const question = box?.parentElement?.closest('.q');
    if (question && !question.querySelector('p.error')) question.classList.remove('has-error');
  }

  /** The "answers need attention" box above the form, with a link to each problem. */
  showSummary(problems) {
    let summary = document.getElementById('form-errors');
    if (!summary) {
      summary = document.createElement('div');
      summary.className = 'alert';
      summary.id = 'form-errors';
      summary.setAttribute('role', 'alert');
      summary.tabIndex = -1;
      this.form.before(summary);
    }
    const heading = document.createElement('p');
    const strong = document.createElement('strong');
    strong.textContent = this.messages.errors;
    heading.append(strong);
    const list = document.createElement('ul');
    list.className = 'problems';
    for (const { name, message } of problems) {
      const link = document.createElement('a');
      link.href = `#${fieldId(name)}-err`;
      link.textContent = `${this.labelOf(name)} — ${message}`;
      link.addEventListener('click', (event) => {
        event.preventDefault();
        this.focusField(name);
      });
      const item = document.createElement('li');
      item.append(link);
      list.append(item);
    }
    summary.replaceChildren(heading, list);
  }

  /** The words a person sees for a field: its question, row or part, and row number. */
  labelOf(name) {
    const control = this.form.querySelector(`[name="${CSS.escape(name)}"]`);
    const question = control?.closest('.q');
    if (!question) return name;
    const own = question.querySelector(':scope > label.label, :scope > fieldset > legend');
    let text = own ? own.firstChild?.textContent.trim() ?? '' : '';
    const row = control.closest('.matrix-row')?.querySelector('.row-label');
    const part = question.matches('.q-indicator') ? control.closest('label') : null;
    if (row) text += ` – ${row.textContent.trim()}`;
    if (part) text += ` – ${part.firstChild.textContent.trim()}`;
    const repeatRow = control.closest('.repeat-row');
    if (repeatRow) text += ` (${Number(repeatRow.dataset.index) + 1})`;
    return text;
  }

  /** Show the page of a field and put the cursor in it. */
  focusField(name) {
    const control = this.form.querySelector(`[name="${CSS.escape(name)}"]:not(:disabled)`);
    if (!control) return;
    if (this.paged) this.showPage(control.closest('section[data-section]'));
    const checked = this.form.querySelector(`[name="${CSS.escape(name)}"]:checked`);
    (checked ?? control).focus({ preventScroll: true });
    (control.closest('.matrix-row, .q') ?? control).scrollIntoView({ block: 'center' });
  }

  // ------------------------------------------------------------------ pages

  /** Start on the page of the first error the server showed, or of the restored draft. */
  setUpPages(draftPage) {
    this.progress = this.form.querySelector('.progress');
    this.prev = this.form.querySelector('.page-prev');
    this.nextButton = this.form.querySelector('.page-next');
    this.submit = this.form.querySelector('.form-actions [type=submit]');
    for (const heading of this.form.querySelectorAll('section[data-section] > h2')) {
      heading.tabIndex = -1; // focused when its page opens, so screen readers start there
    }
    const firstError = this.form.querySelector('.has-error, p.error');
    const section = (key) => (key
      ? this.form.querySelector(`section[data-section="${CSS.escape(key)}"]`) : null);
    // a link to #s-KEY opens that part (the report page after filling in figures)
    const { hash } = window.location;
    const linked = hash.startsWith('#s-') ? section(hash.slice(3)) : null;
    const start = firstError?.closest('section[data-section]') ?? linked ?? section(draftPage);
    this.showPage(start && !start.hasAttribute('data-skipped') ? start : this.pages()[0]);
    this.form.dataset.paged = ''; // pages-early.js: taken over, keep the sections as shown
  }

  pages() {
    return [...this.form.querySelectorAll('section[data-section]:not([data-skipped])')];
  }

  /** The page shown, or if it has just become irrelevant the next one that is not. */
  currentOrNext() {
    if (!this.page.hasAttribute('data-skipped')) return this.page;
    const all = [...this.form.querySelectorAll('section[data-section]')];
    const after = all.slice(all.indexOf(this.page)).find((s) => !s.hasAttribute('data-skipped'));
    return after ?? this.pages().at(-1);
  }

  showPage(section) {
    if (!this.paged || !section) return;
    this.page = section;
    for (const other of this.form.querySelectorAll('section[data-section]')) {
      other.hidden = other !== section || other.hasAttribute('data-skipped');
    }
    const pages = this.pages();
    const index = pages.indexOf(section);
    const last = index === pages.length - 1;
    this.prev.hidden = index <= 0;
    this.nextButton.hidden = last;
    if (this.submit) this.submit.hidden = !last;
    this.showProgress(index + 1, pages.length);
  }

  showProgress(n, total) {
    if (!this.progress || this.progressShown === `${n}/${total}`) return;
    this.progressShown = `${n}/${total}`;
    this.progress.hidden = false;
    // One segment per page: no inline style needed for a width (CSP: style-src 'self').
    const bar = this.progress.querySelector('.progress-bar');
    bar.setAttribute('aria-hidden', 'true');
    bar.replaceChildren(...Array.from({ length: total }, (_, i) => {
      const segment = document.createElement('span');
      if (i < n) segment.className = 'done';
      return segment;
    }));
    const text = this.progress.querySelector('.progress-text');
    text.textContent = fill(this.messages.page ?? '{n}/{total}', { n, total });
  }

  next() {
    const problems = this.checkAll(this.page);
    if (problems.length) {
      this.focusField(problems[0].name);
      return;
    }
    this.go(1);
  }

  go(step) {
    const pages = this.pages();
    const target = pages[pages.indexOf(this.page) + step];
    if (!target) return;
    this.showPage(target);
    if (this.draftKey) this.saveSoon();
    const heading = target.querySelector('h2');
    heading?.focus({ preventScroll: true });
    (this.progress ?? target).scrollIntoView({ block: 'start' });
  }

  // ------------------------------------------------------------------ drafts

  saveDraft() {
    if (!this.draftKey) return;
    saveDraft(this.draftKey, {
      ...this.snapshot(), survey: this.schema.key, page: this.page?.dataset.section ?? null,
      basedOn: this.serverDraftAt,
    }, this.draftWhere);
  }

  showDraftNotice(initial) {
    const notice = document.createElement('div');
    notice.className = 'banner draft-notice';
    notice.setAttribute('role', 'status');
    const text = document.createElement('p');
    text.textContent = this.messages.draftRestored;
    const discard = document.createElement('button');
    discard.type = 'button';
    discard.className = 'button';
    discard.textContent = this.messages.draftDiscard;
    discard.addEventListener('click', () => {
      this.saveSoon.cancel();
      clearDraft(this.draftKey, this.draftWhere);
      this.apply(initial);
      for (const error of this.form.querySelectorAll('p.error')) this.clearErrorElement(error);
      this.refresh();
      for (const p of this.form.querySelectorAll('p.change[data-change-for]')) this.updateChange(p);
      if (this.paged) this.showPage(this.pages()[0]);
      notice.remove();
      this.form.querySelector('input:not([type=hidden]):not(:disabled), textarea')?.focus();
    });
    notice.append(text, discard);
    const first = this.form.querySelector('section[data-section]');
    first.before(notice);
  }
}

/** Start `Kind` (SurveyForm, or staff-form.js's StaffForm) on the page's form, if any;
 * the form started, or null. */
export function startForm(Kind = SurveyForm) {
  const form = document.querySelector('form.survey[data-schema]');
  if (!form) return null;
  const started = new Kind(form);
  started.start();
  return started;
}
