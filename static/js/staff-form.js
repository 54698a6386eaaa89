/**
 * Staff survey forms (a visit's checklist, a unit's report, the catalogue's forms and
 * previews): survey-form.js and what a worker's poll never needs, so that the poll page
 * stays light: repeat rows added and removed in the page instead of a round trip to the
 * server, the computed change of indicators while typing, and buttons that keep a draft on
 * the server (data-plain), and the page's other forms (a report's signed document), saying
 * so when there is no connection instead of leaving for the browser's error page.
 */
import { SurveyForm, fill, startForm } from './survey-form.js';
import { formatNumber, parseNumber } from './numbers.js';

// Attributes that carry a repeat row's index: names, ids and references to ids.
const ROW_ATTRIBUTES = [
  'name', 'id', 'for', 'aria-describedby', 'aria-labelledby', 'data-change-for',
];

class StaffForm extends SurveyForm {
  onSubmit(event) {
    super.onSubmit(event);
    // A data-plain button posts the form as a page: with no connection the browser would
    // show its error page in place of the form.  The draft is kept on the phone; say so.
    if (event.submitter?.hasAttribute('data-plain') && !navigator.onLine) {
      event.preventDefault();
      this.offline(this.messages.draftOffline);
    }
  }

  // ------------------------------------------------------------------ repeats

  setUpRepeat(repeat) {
    const add = repeat.querySelector('.add-row');
    if (add) {
      // In the page, not by a round trip: a plain button that posts nothing.
      add.type = 'button';
      add.removeAttribute('name');
      add.removeAttribute('value');
    }
    for (const row of repeat.querySelectorAll('.repeat-row')) this.addRemoveButton(row);
    this.updateRowButtons(repeat);
  }

  maxRows(repeat) {
    return Number(repeat.querySelector('.repeat').dataset.maxRows) || 20;
  }

  addRemoveButton(row) {
    if (row.querySelector(':scope > .remove-row')) return;
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'button remove-row';
    button.textContent = this.messages.removeRow;
    row.append(button);
  }

  updateRowButtons(repeat) {
    const count = repeat.querySelectorAll('.repeat-row').length;
    const min = Math.max(1, Number(repeat.querySelector('.repeat').dataset.minRows) || 0);
    const add = repeat.querySelector('.add-row');
    if (add) add.hidden = count >= this.maxRows(repeat);
    for (const button of repeat.querySelectorAll('.remove-row')) button.hidden = count <= min;
  }

  /** A blank copy of the first row, numbered after the last one. */
  addRow(repeat, { quiet = false } = {}) {
    const list = repeat.querySelector('.repeat-rows');
    if (list.children.length >= this.maxRows(repeat)) return;
    const row = list.firstElementChild.cloneNode(true);
    blankRow(row);
    // Rename before inserting: a radio joining its original's group would uncheck it.
    renumberRow(row, repeat.dataset.field, list.children.length);
    this.addRemoveButton(row);
    list.append(row);
    this.updateRowButtons(repeat);
    if (quiet) return;
    this.refresh();
    row.querySelector('input:not(:disabled), textarea:not(:disabled)')?.focus();
    if (this.draftKey) this.saveSoon();
  }

  removeRow(row) {
    const repeat = row.closest('.q-repeat');
    const list = row.parentElement;
    const index = [...list.children].indexOf(row);
    row.remove();
    [...list.children].forEach((other, i) => renumberRow(other, repeat.dataset.field, i));
    this.updateRowButtons(repeat);
    this.refresh();
    const next = list.children[Math.min(index, list.children.length - 1)];
    (next?.querySelector('input:not(:disabled), textarea:not(:disabled)')
      ?? repeat.querySelector('.add-row'))?.focus();
    if (this.draftKey) this.saveSoon();
  }

  // ------------------------------------------------------------------ indicators

  /** "Change: +12 (+15,3%)" under an indicator, as formpages.indicator_change_text. */
  updateChange(paragraph) {
    const name = paragraph.dataset.changeFor;
    const value = (field) => parseNumber(this.form.elements.namedItem(field)?.value ?? '').value;
    const baseline = value(`${name}.baseline`);
    const current = value(name);
    if (baseline === null || current === null) {
      paragraph.textContent = '';
      return;
    }
    const diff = current - baseline;
    const pct = baseline !== 0 ? (diff / baseline) * 100 : null;
    paragraph.textContent = fill(this.messages.change ?? '{diff} ({pct})', {
      diff: this.signed(diff),
      pct: pct === null || !Number.isFinite(pct) ? '—' : `${this.signed(pct)}%`,
    });
  }

  /** A change with its sign, to two decimals: +12; -0,5; 0 (formpages._signed). */
  signed(number) {
    const text = formatNumber(number, 2);
    return number > 0 && text !== '0' ? `+${text}` : text;
  }
}

// ---------------------------------------------------------------------- repeat rows

/** Empty every answer of a cloned row and drop what the original showed (errors, change). */
function blankRow(row) {
  for (const control of row.querySelectorAll('input, textarea, select')) {
    if (control.type === 'radio' || control.type === 'checkbox') {
      control.checked = false;
      control.removeAttribute('checked');
    } else {
      control.value = '';
      control.removeAttribute('value');
      if (control.tagName === 'TEXTAREA') control.textContent = '';
    }
    control.disabled = false;
  }
  for (const error of row.querySelectorAll('p.error')) {
    const id = error.id;
    for (const described of row.querySelectorAll('[aria-describedby]')) {
      const rest = described.getAttribute('aria-describedby').split(/\s+/)
        .filter((other) => other && other !== id);
      if (rest.length) described.setAttribute('aria-describedby', rest.join(' '));
      else described.removeAttribute('aria-describedby');
    }
    error.remove();
  }
  for (const element of row.querySelectorAll('.has-error')) element.classList.remove('has-error');
  for (const marked of row.querySelectorAll('[aria-invalid]')) {
    marked.removeAttribute('aria-invalid'); // inputs, and the fieldsets of choices
  }
  for (const change of row.querySelectorAll('p.change')) change.textContent = '';
  for (const element of row.querySelectorAll('[data-skipped]')) {
    element.removeAttribute('data-skipped');
    element.hidden = false;
  }
}

/** Give a row index `index`: `rep.N.child` names and `f-rep-N-child` ids. */
function renumberRow(row, repeat, index) {
  row.dataset.index = String(index);
  const name = new RegExp(`(^|\\s)${repeat}\\.\\d+\\.`, 'g');
  const id = new RegExp(`(^|\\s)f-${repeat}-\\d+-`, 'g');
  for (const element of [row, ...row.querySelectorAll('*')]) {
    for (const attribute of ROW_ATTRIBUTES) {
      const value = element.getAttribute(attribute);
      if (value === null) continue;
      const renamed = value
        .replace(name, `$1${repeat}.${index}.`)
        .replace(id, `$1f-${repeat}-${index}-`);
      if (renamed !== value) element.setAttribute(attribute, renamed);
    }
  }
}

const staffForm = startForm(StaffForm);

// The page's other forms that post as a page (the report's signed document): with no
// connection, say so beside the form rather than leave for the browser's error page.
document.addEventListener('submit', (event) => {
  const form = event.target;
  if (navigator.onLine || event.defaultPrevented || form.method !== 'post'
    || form.matches('form.survey') || !form.closest('main')) return;
  event.preventDefault();
  form.querySelector('.offline-refusal')?.remove();
  const box = Object.assign(document.createElement('p'), {
    className: 'alert offline-refusal', textContent: staffForm?.messages.actionOffline ?? '',
  });
  box.setAttribute('role', 'alert');
  form.prepend(box);
});
