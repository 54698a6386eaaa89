/**
 * Unsent survey answers kept on this device (localStorage), so that a closed tab, a dead
 * battery or a lost connection does not cost an inspector the answers typed so far; it
 * stays until the server acknowledges them.  `where` = 'session': for this tab only (the
 * anonymous poll, on a phone that may be lent to a colleague; the preview).
 *
 * A draft is plain JSON: {version, savedAt, survey, responseId, values: {name: [text]},
 * rows: {repeat: count}, page: the section shown, basedOn: a team draft's time, errors: the
 * server's messages when the draft comes from a refused outbox item}.  Storage can be full,
 * disabled (private mode) or hold garbage from an older page: every function here fails quietly,
 * because a draft is a comfort, never a requirement.
 */
const PREFIX = 'survey-draft:';
const VERSION = 1;

function storage(where) {
  try {
    return where === 'session' ? window.sessionStorage : window.localStorage;
  } catch {
    return null; // access itself can throw when storage is disabled
  }
}

/** The saved draft for `key`, or null when there is none (or it cannot be read). */
export function loadDraft(key, where = 'local') {
  try {
    const text = storage(where)?.getItem(PREFIX + key);
    const draft = text ? JSON.parse(text) : null;
    if (!draft || draft.version !== VERSION || typeof draft.values !== 'object') return null;
    return draft;
  } catch {
    return null;
  }
}

/** Save the answers; returns whether it worked. */
export function saveDraft(key, {
  survey, responseId, values, rows, page = null, basedOn = null, errors = null,
}, where = 'local') {
  const draft = {
    version: VERSION, savedAt: new Date().toISOString(), survey, responseId, values, rows, page,
    basedOn,
  };
  if (errors) draft.errors = errors; // the server's refusal of an outbox item (outbox.js)
  try {
    storage(where)?.setItem(PREFIX + key, JSON.stringify(draft));
    return true;
  } catch {
    return false; // quota exceeded: the form still works, only the safety net is gone
  }
}

/** Whether this device's draft beats the team's server draft of `serverDraftAt`. */
export function keepsLocalDraft(draft, serverDraftAt) {
  if (!draft || !serverDraftAt) return Boolean(draft);
  return draft.basedOn === serverDraftAt || Date.parse(draft.savedAt) > Date.parse(serverDraftAt);
}

export function clearDraft(key, where = 'local') {
  try {
    storage(where)?.removeItem(PREFIX + key);
  } catch {
    // nothing to do: see saveDraft
  }
}

/**
 * `fn` run once `wait` ms after the last call; `.flush()` runs a pending call now (used
 * when the page is being hidden, where a timer would never fire).
 */
export function debounce(fn, wait) {
  let timer = null;
  const debounced = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      fn();
    }, wait);
  };
  debounced.flush = () => {
    if (timer === null) return;
    clearTimeout(timer);
    timer = null;
    fn();
  };
  debounced.cancel = () => {
    clearTimeout(timer);
    timer = null;
  };
  return debounced;
}
