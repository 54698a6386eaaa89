// The outbox (static/js/outbox.js) against an in-memory IndexedDB and a server that behaves
// like ours (survey_app/formpages.post_form): stores a response id once, acknowledges with
// {id, url, created}, 422 for refused answers, 400 for a bad token, the sign-in page when the
// session has ended.  The browser tests (tests/browser/test_working_offline.py) drive the
// same code in Chromium against the real server, offline.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  RECEIPTS_KEPT, TOKEN_URL, bodyOf, deliver, draftOf, openOutbox,
} from '../../static/js/outbox.js';
import { FakeIndexedDB } from './fake-indexeddb.mjs';

const ME = 7;
const FORM = 'application/x-www-form-urlencoded;charset=UTF-8';
let serial = 0;

function respond(status, body, { type = 'application/json', redirected = false } = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const response = new Response(text, { status, headers: { 'Content-Type': type } });
  if (redirected) Object.defineProperty(response, 'redirected', { value: true });
  return response;
}

/** A server holding responses by id; `fetch` is what the page would reach. */
function server({ user = ME } = {}) {
  const state = {
    user, signedIn: true, offline: false, token: 'token-1', stored: new Map(), posts: [],
    cutAfter: Infinity, answer: null,
  };
  state.fetch = async (url, init = {}) => {
    if (state.offline) throw new TypeError('Failed to fetch');
    if (url === TOKEN_URL) {
      if (!state.signedIn) return respond(200, '<html>Đăng nhập</html>', { type: 'text/html', redirected: true });
      return respond(200, { csrf_token: state.token, user: state.user });
    }
    if (state.posts.length >= state.cutAfter) throw new TypeError('Failed to fetch');
    state.posts.push({ url, ...init });
    if (!state.signedIn) return respond(400, { reason: 'csrf', login_url: `/login?next=${url}` });
    if (init.headers['X-CSRFToken'] !== state.token) {
      return respond(400, { reason: 'csrf', csrf_token: state.token });
    }
    const special = state.answer?.(init.body);
    if (special) return special;
    const id = new URLSearchParams(init.body).get('_response_id');
    const created = !state.stored.has(id);
    if (created) state.stored.set(id, { url, body: init.body, user: state.user });
    return respond(created ? 201 : 200, { id, url: `/surveys/s/responses/${id}`, created });
  };
  return state;
}

function item(overrides = {}) {
  serial += 1;
  const id = `00000000-0000-4000-8000-${String(serial).padStart(12, '0')}`;
  const body = new URLSearchParams([
    ['_response_id', id], ['visit_date', '2017-09-12'], ['unit_kind', 'ldld_huyen'],
    ['a11_uu_diem', `Đã quán triệt Nghị quyết 20 đến ${serial} tổ & đoàn viên = 100%`],
    ['docs', 'ke_hoach'], ['docs', 'khac'],
  ]).toString();
  return {
    id, url: '/surveys/inspection_2017/fill', body, user: ME, survey: 'inspection_2017',
    version: 1, title: 'Phiếu kiểm tra', unit: `Đơn vị ${serial}`, visit: null,
    draftKey: `inspection_2017:${ME}`, savedAt: new Date(Date.UTC(2017, 8, 12, 8, serial)).toISOString(),
    state: 'waiting', ...overrides,
  };
}

async function queued(box, n, overrides) {
  const items = [];
  for (let i = 0; i < n; i += 1) {
    items.push(item(overrides));
    await box.put(items.at(-1));
  }
  return items;
}

test('what waits outlives the page: a new connection (a reload, a restart) finds it', async () => {
  const idb = new FakeIndexedDB();
  const [first, second] = await queued(openOutbox(idb), 2);
  const reloaded = openOutbox(idb);
  const items = await reloaded.items(ME);
  assert.deepEqual(items.map((i) => i.id), [first.id, second.id]); // oldest first
  assert.deepEqual(items[0], first);
  items[0].body = 'changed in the page';
  assert.equal((await reloaded.get(first.id)).body, first.body); // a copy, not the stored one
  assert.equal(idb.opened, 2);
});

test('one response id is one item: the same draft kept twice (two tabs) stays one', async () => {
  const box = openOutbox(new FakeIndexedDB());
  const one = item();
  await box.put(one);
  await box.put({ ...one, body: `${one.body}&a11_de_xuat=later+tab`, savedAt: one.savedAt });
  const items = await box.items(ME);
  assert.equal(items.length, 1);
  assert.match(items[0].body, /later\+tab$/);
});

test('each person sees and sends only their own answers; signed out, all are counted', async () => {
  const box = openOutbox(new FakeIndexedDB());
  await queued(box, 2);
  const [theirs] = await queued(box, 1, { user: 8 });
  assert.equal((await box.items(ME)).length, 2);
  assert.equal((await box.items(null)).length, 3);

  const srv = server();
  const report = await deliver(box, { user: ME, fetchImpl: srv.fetch });
  assert.deepEqual(report, { sent: 2, refused: 0, stop: null });
  assert.deepEqual((await box.items(null)).map((i) => i.id), [theirs.id]); // waits for them
  assert.equal(srv.posts.length, 2);
});

test('sending posts each stored body byte for byte, with a fresh token in a header', async () => {
  const box = openOutbox(new FakeIndexedDB());
  const items = await queued(box, 3);
  const srv = server();
  srv.token = 'fresh-token-of-this-session';
  const report = await deliver(box, { user: ME, fetchImpl: srv.fetch });
  assert.deepEqual(report, { sent: 3, refused: 0, stop: null });
  assert.equal(srv.posts.length, 3);
  for (const [i, post] of srv.posts.entries()) {
    assert.equal(post.method, 'POST');
    assert.equal(post.url, items[i].url);
    assert.equal(post.body, items[i].body); // exactly as kept: a string, not re-encoded
    assert.equal(typeof post.body, 'string');
    assert.equal(post.headers['Content-Type'], FORM);
    assert.equal(post.headers['X-CSRFToken'], 'fresh-token-of-this-session');
    assert.equal(post.headers['X-Outbox'], '1'); // no "thank you" waits for a next page
    assert.equal(post.headers.Accept, 'application/json');
    assert.equal(post.credentials, 'same-origin');
  }
  assert.deepEqual(await box.items(ME), []);
  const receipts = await box.receipts(ME);
  assert.deepEqual(receipts.map((r) => r.id).sort(), items.map((i) => i.id).sort());
  const [newest] = receipts;
  assert.equal(newest.url, `/surveys/s/responses/${newest.id}`);
  assert.ok(!Number.isNaN(Date.parse(newest.sentAt)));
  assert.equal(newest.title, 'Phiếu kiểm tra');
  assert.match(newest.unit, /^Đơn vị \d+$/);
  assert.equal(newest.body, undefined); // a receipt keeps no answers
});

test('replaying the whole outbox three times stores each response once', async () => {
  const box = openOutbox(new FakeIndexedDB());
  const items = await queued(box, 3);
  const srv = server();
  for (let round = 0; round < 3; round += 1) {
    for (const one of items) await box.put(one); // the same items again, as a replay would
    const report = await deliver(box, { user: ME, fetchImpl: srv.fetch });
    assert.equal(report.sent, 3); // acknowledged again (201, then 200 "already stored")
  }
  assert.equal(srv.posts.length, 9);
  assert.equal(srv.stored.size, 3);
  assert.equal((await box.receipts(ME)).length, 3);
  assert.deepEqual(await box.items(ME), []);
});

test('no connection: nothing leaves, nothing changes, and it says why', async () => {
  const box = openOutbox(new FakeIndexedDB());
  const items = await queued(box, 3);
  const srv = server();
  srv.offline = true;
  assert.deepEqual(await deliver(box, { user: ME, fetchImpl: srv.fetch }),
    { sent: 0, refused: 0, stop: 'network' });
  assert.deepEqual(await box.items(ME), items);

  // the connection drops after the first answer: the first has its receipt, two still wait
  srv.offline = false;
  srv.cutAfter = 1;
  const report = await deliver(box, { user: ME, fetchImpl: srv.fetch });
  assert.deepEqual(report, { sent: 1, refused: 0, stop: 'network' });
  assert.deepEqual(await box.items(ME), items.slice(1));
  assert.equal((await box.receipts(ME))[0].id, items[0].id);
});

test('an acknowledgement must name the response: anything else keeps the item', async () => {
  const box = openOutbox(new FakeIndexedDB());
  const [one] = await queued(box, 1);
  const srv = server();
  // a captive portal's page, then a success naming another response
  srv.answer = () => respond(200, '<html>Wi-Fi login</html>', { type: 'text/html' });
  assert.equal((await deliver(box, { user: ME, fetchImpl: srv.fetch })).stop, 'noAck');
  srv.answer = () => respond(201, { id: 'another', url: '/r/x', created: true });
  assert.equal((await deliver(box, { user: ME, fetchImpl: srv.fetch })).stop, 'noAck');
  assert.deepEqual(await box.items(ME), [one]);
  assert.deepEqual(await box.receipts(ME), []);
});

test('a session that ended keeps every item until signing in, then sends them unchanged',
  async () => {
    const box = openOutbox(new FakeIndexedDB());
    const items = await queued(box, 2);
    const srv = server();
    srv.signedIn = false;
    assert.deepEqual(await deliver(box, { user: ME, fetchImpl: srv.fetch }),
      { sent: 0, refused: 0, stop: 'session' });
    assert.equal(srv.posts.length, 0); // nothing is posted into a signed-out session
    assert.deepEqual(await box.items(ME), items);

    srv.signedIn = true; // signed in again: a new session, a new token
    srv.token = 'token-after-sign-in';
    assert.equal((await deliver(box, { user: ME, fetchImpl: srv.fetch })).sent, 2);
    assert.deepEqual([...srv.stored.values()].map((s) => s.body), items.map((i) => i.body));
  });

test('the session ending between the token and the post stops and keeps the rest', async () => {
  const box = openOutbox(new FakeIndexedDB());
  const items = await queued(box, 2);
  const srv = server();
  srv.answer = () => { // signed out in another tab just as the first answer went
    srv.signedIn = false;
    return respond(400, { reason: 'csrf', login_url: '/login?next=/surveys/s/fill' });
  };
  const report = await deliver(box, { user: ME, fetchImpl: srv.fetch });
  assert.deepEqual(report, { sent: 0, refused: 0, stop: 'session' });
  assert.equal(srv.posts.length, 1);
  assert.deepEqual(await box.items(ME), items);
});

test('a token that aged on the way is replaced once and the same body sent again', async () => {
  const box = openOutbox(new FakeIndexedDB());
  const [one] = await queued(box, 1);
  const srv = server();
  let first = true;
  srv.answer = () => {
    if (!first) return null;
    first = false;
    srv.token = 'renewed'; // the server's answer to the old one carries this
    return respond(400, { reason: 'csrf', csrf_token: 'renewed' });
  };
  assert.equal((await deliver(box, { user: ME, fetchImpl: srv.fetch })).sent, 1);
  assert.deepEqual(srv.posts.map((p) => p.headers['X-CSRFToken']), ['token-1', 'renewed']);
  assert.deepEqual(srv.posts.map((p) => p.body), [one.body, one.body]);
});

test('refused answers stay, marked with the server\'s messages, and open as a draft', async () => {
  const box = openOutbox(new FakeIndexedDB());
  const [bad, good] = await queued(box, 2);
  const errors = { a11_muc_do: 'Câu hỏi này là bắt buộc.', 'branches.1.branch_size': 'Hãy nhập một số.' };
  const srv = server();
  srv.answer = (body) => (body === bad.body
    ? respond(422, { errors, message: '2 câu trả lời cần xem lại.' }) : null);
  assert.deepEqual(await deliver(box, { user: ME, fetchImpl: srv.fetch }),
    { sent: 1, refused: 1, stop: null });
  const [kept] = await box.items(ME);
  assert.equal(kept.id, bad.id);
  assert.equal(kept.state, 'refused');
  assert.equal(kept.reason, 'invalid');
  assert.equal(kept.message, '2 câu trả lời cần xem lại.');
  assert.deepEqual(kept.errors, errors);
  assert.equal(kept.body, bad.body);
  assert.equal((await box.receipts(ME))[0].id, good.id);

  // sending again does not send it again: it waits to be corrected
  srv.posts.length = 0;
  assert.deepEqual(await deliver(box, { user: ME, fetchImpl: srv.fetch }),
    { sent: 0, refused: 0, stop: null });
  assert.equal(srv.posts.length, 0);

  const draft = draftOf({ ...kept, body: `${kept.body}&branches.1.branch_size=x&branches.0.branch_name=A` });
  assert.equal(draft.responseId, bad.id);
  assert.equal(draft.survey, 'inspection_2017');
  assert.deepEqual(draft.values.docs, ['ke_hoach', 'khac']);
  assert.deepEqual(draft.values.a11_uu_diem, [new URLSearchParams(bad.body).get('a11_uu_diem')]);
  assert.equal(draft.values._response_id, undefined);
  assert.deepEqual(draft.rows, { branches: 2 });
  assert.deepEqual(draft.errors, errors);

  // corrected and queued again under its id: it waits, and goes
  await box.put({ ...kept, state: 'waiting', body: `${kept.body}&a11_muc_do=3` });
  srv.answer = null;
  assert.equal((await deliver(box, { user: ME, fetchImpl: srv.fetch })).sent, 1);
  assert.match(srv.stored.get(bad.id).body, /a11_muc_do=3$/);
});

test('other refusals stay too; a busy or failing server is tried again later', async () => {
  const box = openOutbox(new FakeIndexedDB());
  const items = await queued(box, 2);
  const srv = server();
  for (const [status, stop] of [[429, 'busy'], [500, 'server'], [503, 'server']]) {
    srv.answer = () => respond(status, { message: 'x' });
    assert.equal((await deliver(box, { user: ME, fetchImpl: srv.fetch })).stop, stop);
    assert.deepEqual(await box.items(ME), items);
  }
  srv.answer = (body) => (body === items[0].body
    ? respond(409, { message: 'Đoàn đã gửi phiếu kiểm tra cho lần kiểm tra này.' })
    : respond(413, null));
  assert.deepEqual(await deliver(box, { user: ME, fetchImpl: srv.fetch }),
    { sent: 0, refused: 2, stop: null });
  const [taken, tooLarge] = await box.items(ME);
  assert.equal(taken.message, 'Đoàn đã gửi phiếu kiểm tra cho lần kiểm tra này.');
  assert.equal(tooLarge.reason, 'tooLarge');
  await box.remove(taken.id); // removed by hand, after the warning
  assert.deepEqual((await box.items(ME)).map((i) => i.id), [tooLarge.id]);
});

test(`receipts keep the newest ${RECEIPTS_KEPT}`, async () => {
  const box = openOutbox(new FakeIndexedDB());
  const items = await queued(box, RECEIPTS_KEPT + 3);
  for (const [i, one] of items.entries()) {
    await box.acknowledge(one, `/r/${one.id}`, new Date(Date.UTC(2017, 9, 1, 0, i)));
  }
  const receipts = await box.receipts(ME);
  assert.equal(receipts.length, RECEIPTS_KEPT);
  assert.equal(receipts[0].id, items.at(-1).id);
  assert.equal(receipts.at(-1).id, items[3].id);
});

test('the body kept is the form\'s fields as a browser posts them, less the token', () => {
  const form = new FormData();
  form.append('csrf_token', 'IjE2…');
  form.append('_response_id', '5b7c5f5e-3f8e-4a59-9d3c-2f7d8c1e0a11');
  form.append('note', 'Công đoàn & "người lao động" 100% + 1');
  form.append('docs', 'a');
  form.append('docs', 'b');
  const body = bodyOf(form);
  assert.equal(body, '_response_id=5b7c5f5e-3f8e-4a59-9d3c-2f7d8c1e0a11'
    + '&note=C%C3%B4ng+%C4%91o%C3%A0n+%26+%22ng%C6%B0%E1%BB%9Di+lao+%C4%91%E1%BB%99ng%22+100%25+%2B+1'
    + '&docs=a&docs=b');
  assert.equal(new URLSearchParams(body).get('note'), 'Công đoàn & "người lao động" 100% + 1');
});

test('read-only views cannot write, and a bad item is refused whole', async () => {
  const box = openOutbox(new FakeIndexedDB());
  await assert.rejects(box.put({ url: '/x' })); // no response id: no key
  assert.deepEqual(await box.items(null), []);
});
