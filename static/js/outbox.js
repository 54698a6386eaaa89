/**
 * The outbox (issue 12): answers sent with no connection wait on the phone, in IndexedDB,
 * until the server acknowledges them by their response id; each acknowledgement is kept as a
 * receipt.  The page sends them (offline.js: on load, when the connection returns, when the
 * tab is shown again, from "Gửi ngay"), never the service worker.
 *
 * An item: {id: the response UUID, url, body, user, survey, version, title, unit, visit,
 * draftKey, savedAt, state: 'waiting' | 'refused', and when refused: reason (send.js's
 * outcome kind), the server's message and errors}.  `body` is the form's
 * urlencoded fields without its token: it is sent byte for byte as stored, with a token
 * fetched just before in the X-CSRFToken header (a queue outlives any form token).
 * A receipt: {id, user, survey, title, unit, visit, url: the stored response, sentAt}.
 */
const STORES = ['items', 'receipts'];
const FORM = 'application/x-www-form-urlencoded;charset=UTF-8';
export const TOKEN_URL = '/offline/token';
export const RECEIPTS_KEPT = 50;
/** Refusals that sending again cannot change: the item stays, marked, to be corrected. */
const REFUSED = new Set(['invalid', 'refused', 'tooLarge']);

/** The form's fields as a plain POST sends them, less the form's own token. */
export function bodyOf(formData) {
  const params = new URLSearchParams(formData);
  params.delete('csrf_token');
  return params.toString();
}

/** A draft (draft-store.js) of an item's answers, to open it in its form again. */
export function draftOf(item) {
  const values = {};
  const rows = {};
  for (const [name, value] of new URLSearchParams(item.body)) {
    if (name.startsWith('_')) continue;
    (values[name] ??= []).push(value);
    const row = /^([^.]+)\.(\d+)\./.exec(name);
    if (row) rows[row[1]] = Math.max(rows[row[1]] ?? 0, Number(row[2]) + 1);
  }
  return { survey: item.survey, responseId: item.id, values, rows, errors: item.errors ?? null };
}

/** The outbox in `idb` (an IDBFactory); each call opens its own transaction. */
export function openOutbox(idb = globalThis.indexedDB) {
  let db;
  const connect = () => {
    db ??= new Promise((resolve, reject) => {
      const request = idb.open('survey-outbox', 1);
      request.onupgradeneeded = () => {
        for (const name of STORES) request.result.createObjectStore(name, { keyPath: 'id' });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    return db;
  };
  /** Run `work(items, receipts)` in one transaction; resolves once it is committed. */
  const run = async (mode, work) => {
    const tx = (await connect()).transaction(STORES, mode);
    const committed = new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
    const value = work(...STORES.map((name) => tx.objectStore(name)));
    await committed;
    return value && 'onsuccess' in value ? value.result : value;
  };
  // user null (nobody signed in): everything; an item of nobody in particular is anyone's
  const whose = (user) => (x) => user == null || x.user == null || x.user === user;
  const all = async (store, user) => (await run('readonly', (...s) => s[store].getAll()))
    .filter(whose(user));

  return {
    put: (item) => run('readwrite', (items) => { items.put(item); }),
    get: (id) => run('readonly', (items) => items.get(id)),
    remove: (id) => run('readwrite', (items) => { items.delete(id); }),
    /** What waits, oldest first. */
    items: async (user = null) => (await all(0, user))
      .sort((a, b) => a.savedAt.localeCompare(b.savedAt)),
    /** What reached the server, newest first. */
    receipts: async (user = null) => (await all(1, user))
      .sort((a, b) => b.sentAt.localeCompare(a.sentAt)),
    /** The server has `item` (stored at `url`): it leaves, its receipt stays. */
    acknowledge: (item, url, when = new Date()) => run('readwrite', (items, receipts) => {
      const { id, user = null, survey, title, unit, visit } = item;
      items.delete(id);
      receipts.put({ id, user, survey, title, unit, visit, url, sentAt: when.toISOString() });
      receipts.getAll().onsuccess = ({ target }) => {
        const old = target.result.sort((a, b) => b.sentAt.localeCompare(a.sentAt));
        for (const receipt of old.slice(RECEIPTS_KEPT)) receipts.delete(receipt.id);
      };
    }),
  };
}

/** A fresh token and whose session it is; or why there is none ({stop}). */
async function session(fetchImpl) {
  try {
    const response = await fetchImpl(TOKEN_URL, {
      headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store',
    });
    const json = response.ok && !response.redirected
      && (response.headers.get('Content-Type') ?? '').includes('json') ? await response.json() : null;
    if (json?.csrf_token) return { token: json.csrf_token, user: json.user };
    // signed out: the server sends to the sign-in page
    return { stop: response.status >= 500 ? 'server' : 'session' };
  } catch {
    return { stop: 'network' };
  }
}

/**
 * Send what waits for `user`, oldest first, each body exactly as stored.  Resolves to
 * {sent, refused, stop}: stop says why sending stopped early ('network', 'session', 'busy',
 * 'server', 'noAck'); the items not sent stay as they were.  Another person's items wait
 * for that person's session.
 */
export async function deliver(box, { user = null, fetchImpl = globalThis.fetch } = {}) {
  const report = { sent: 0, refused: 0, stop: null };
  const waiting = (await box.items(user)).filter((item) => item.state !== 'refused');
  if (!waiting.length) return report;
  const signedIn = await session(fetchImpl);
  if (signedIn.stop) return { ...report, stop: signedIn.stop };
  const { post } = await import('./post.js');
  let { token } = signedIn;
  for (const item of waiting) {
    if (item.user != null && item.user !== signedIn.user) continue;
    const send = () => post(item.url, item.body, {
      responseId: item.id,
      fetchImpl,
      // X-Outbox: sent in the background, no page follows (post_form then flashes nothing)
      headers: { 'Content-Type': FORM, 'X-CSRFToken': token, 'X-Outbox': '1' },
    });
    let answer = await send();
    if (answer.kind === 'stale' && answer.csrfToken) {
      token = answer.csrfToken;
      answer = await send();
    }
    if (answer.kind === 'sent') {
      await box.acknowledge(item, answer.url);
      report.sent += 1;
    } else if (REFUSED.has(answer.kind)) {
      const { kind: reason, message = null, errors = null } = answer;
      await box.put({ ...item, state: 'refused', reason, message, errors });
      report.refused += 1;
    } else {
      report.stop = answer.kind === 'stale' ? 'session' : answer.kind;
      break;
    }
  }
  return report;
}
