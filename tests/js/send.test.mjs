// Sending a form (static/js/send.js): what each answer of the server means, and that a
// failed send never throws.  The drafts (static/js/draft-store.js) live in the storage
// asked for.  The browser tests (tests/browser/test_sending.py) drive both in Chromium.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { clearDraft, loadDraft, saveDraft } from '../../static/js/draft-store.js';
import { TIMEOUT_MS, outcome, post } from '../../static/js/send.js';

const ID = '5b7c5f5e-3f8e-4a59-9d3c-2f7d8c1e0a11';

test('an acknowledgement naming the response is "sent"', () => {
  assert.deepEqual(outcome(201, { id: ID, url: '/r/1' }, ID), { kind: 'sent', url: '/r/1' });
  assert.deepEqual(outcome(200, { id: ID.toUpperCase(), url: '/r/1', created: false }, ID),
    { kind: 'sent', url: '/r/1' });
});

test('a success that does not acknowledge these answers is not "sent"', () => {
  // another response's id, no url, no id, HTML (a captive portal, a followed redirect)
  assert.equal(outcome(201, { id: 'other', url: '/r/1' }, ID).kind, 'noAck');
  assert.equal(outcome(201, { id: ID }, ID).kind, 'noAck');
  assert.equal(outcome(200, { url: '/r/1' }, ID).kind, 'noAck');
  assert.equal(outcome(200, null, ID).kind, 'noAck');
  assert.equal(outcome(204, null, '').kind, 'noAck');
});

test('the preview says "checked"', () => {
  assert.deepEqual(outcome(200, { checked: true, message: 'OK' }, ID),
    { kind: 'checked', message: 'OK' });
});

test('refused answers carry their field errors', () => {
  const errors = { workers: 'Hãy nhập một số nguyên.' };
  assert.deepEqual(outcome(422, { errors, message: '1' }, ID),
    { kind: 'invalid', errors, message: '1' });
  assert.equal(outcome(422, null, ID).kind, 'refused'); // not the form view's answer
});

test('an aged token comes with a new one, an ended session with the way back', () => {
  assert.deepEqual(outcome(400, { reason: 'csrf', csrf_token: 'new' }, ID),
    { kind: 'stale', csrfToken: 'new' });
  assert.deepEqual(outcome(400, { reason: 'csrf' }, ID), { kind: 'stale', csrfToken: null });
  assert.deepEqual(outcome(400, { reason: 'csrf', login_url: '/login?next=/f' }, ID),
    { kind: 'session', loginUrl: '/login?next=/f' });
  assert.deepEqual(outcome(401, { login_url: '/login' }, ID),
    { kind: 'session', loginUrl: '/login' });
  assert.deepEqual(outcome(401, null, ID), { kind: 'session', loginUrl: null });
});

test('size, rate and server failures each have their kind', () => {
  assert.equal(outcome(413, null, ID).kind, 'tooLarge');
  assert.equal(outcome(429, { message: 'x' }, ID).kind, 'busy');
  for (const status of [500, 502, 503, 504]) assert.equal(outcome(status, null, ID).kind, 'server');
});

test('any other refusal passes the server\'s message on', () => {
  assert.deepEqual(outcome(410, { message: 'Phiếu ý kiến đã đóng' }, ID),
    { kind: 'refused', message: 'Phiếu ý kiến đã đóng' });
  assert.deepEqual(outcome(400, { message: '' }, ID), { kind: 'refused', message: null });
  assert.deepEqual(outcome(404, 'not an object', ID), { kind: 'refused', message: null });
});

// ------------------------------------------------------------------------------ post

function answer(status, body, type = 'application/json') {
  return async () => new Response(typeof body === 'string' ? body : JSON.stringify(body),
    { status, headers: { 'Content-Type': type } });
}

test('post sends the body as a form asking for JSON, and reads the answer', async () => {
  let seen;
  const fetchImpl = async (url, init) => {
    seen = { url, init };
    return answer(201, { id: ID, url: '/r' })();
  };
  const body = new URLSearchParams({ _response_id: ID, note: 'Tổ 1' });
  const result = await post('/surveys/k/fill', body, { responseId: ID, fetchImpl });
  assert.deepEqual(result, { kind: 'sent', url: '/r' });
  assert.equal(seen.url, '/surveys/k/fill');
  assert.equal(seen.init.method, 'POST');
  assert.equal(seen.init.body, body);
  assert.equal(seen.init.headers.Accept, 'application/json');
  assert.equal(seen.init.credentials, 'same-origin');
});

test('post never throws: no connection, a cut answer or bad JSON', async () => {
  const offline = async () => { throw new TypeError('Failed to fetch'); };
  assert.deepEqual(await post('/f', '', { fetchImpl: offline }), { kind: 'network' });
  const cut = async () => ({
    status: 201,
    headers: new Headers({ 'Content-Type': 'application/json' }),
    json: async () => { throw new TypeError('network error'); },
  });
  assert.deepEqual(await post('/f', '', { responseId: ID, fetchImpl: cut }), { kind: 'network' });
  const garbled = answer(500, '{not json');
  assert.equal((await post('/f', '', { fetchImpl: garbled })).kind, 'server');
  const proxyPage = answer(502, '<h1>Bad gateway</h1>', 'text/html');
  assert.equal((await post('/f', '', { fetchImpl: proxyPage })).kind, 'server');
  const portal = answer(200, '<form>Sign in to the Wi-Fi</form>', 'text/html');
  assert.equal((await post('/f', '', { responseId: ID, fetchImpl: portal })).kind, 'noAck');
});

test('post gives up after its timeout and calls it a lost connection', async () => {
  assert.ok(TIMEOUT_MS >= 30_000); // long enough for a slow phone network
  const hanging = (url, { signal }) => new Promise((resolve, reject) => {
    signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
  });
  const started = Date.now();
  assert.deepEqual(await post('/f', '', { timeout: 50, fetchImpl: hanging }), { kind: 'network' });
  assert.ok(Date.now() - started < 2000);
});

// ------------------------------------------------------------------------------ drafts

function memoryStorage() {
  const items = new Map();
  return {
    getItem: (key) => (items.has(key) ? items.get(key) : null),
    setItem: (key, value) => items.set(key, String(value)),
    removeItem: (key) => items.delete(key),
    get length() { return items.size; },
  };
}

test('a draft goes to the storage asked for and stays until cleared', () => {
  globalThis.window = { localStorage: memoryStorage(), sessionStorage: memoryStorage() };
  try {
    const draft = { survey: 's', responseId: ID, values: { a: ['1'] }, rows: {} };
    assert.ok(saveDraft('poll:t', draft, 'session'));
    assert.equal(window.localStorage.length, 0); // an anonymous answer stays in the tab
    assert.equal(loadDraft('poll:t'), null);
    assert.equal(loadDraft('poll:t', 'session').responseId, ID);
    assert.ok(saveDraft('s:1', draft));
    assert.deepEqual(loadDraft('s:1').values, { a: ['1'] });
    clearDraft('s:1');
    assert.equal(loadDraft('s:1'), null);
    assert.ok(loadDraft('poll:t', 'session')); // untouched
    clearDraft('poll:t', 'session');
    assert.equal(window.sessionStorage.length, 0);
  } finally {
    delete globalThis.window;
  }
});
