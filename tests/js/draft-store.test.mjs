// Which draft fills a visit's checklist: the one on this phone or the one the team saved on
// the server (static/js/draft-store.js keepsLocalDraft). The browser test
// tests/browser/test_visit_checklist.py drives the whole page in Chromium.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { keepsLocalDraft } from '../../static/js/draft-store.js';

const SERVER = '2017-09-12T03:30:00+00:00';

function draft(savedAt, basedOn = null) {
  return { version: 1, savedAt, basedOn, values: {}, rows: {} };
}

test('without a server draft the phone keeps its own', () => {
  assert.equal(keepsLocalDraft(draft('2017-09-12T01:00:00Z'), null), true);
  assert.equal(keepsLocalDraft(null, null), false);
  assert.equal(keepsLocalDraft(null, SERVER), false);
});

test('a phone draft typed on top of the server draft shown is newer', () => {
  // even with the phone's clock behind the server's
  assert.equal(keepsLocalDraft(draft('2017-09-12T01:00:00Z', SERVER), SERVER), true);
});

test('a server draft saved after the phone draft wins', () => {
  assert.equal(keepsLocalDraft(draft('2017-09-12T03:00:00Z'), SERVER), false);
  // typed on an older server draft, and a team mate has saved since
  assert.equal(
    keepsLocalDraft(draft('2017-09-12T03:00:00Z', '2017-09-11T10:00:00+00:00'), SERVER), false,
  );
});

test('a phone draft saved after the server draft wins', () => {
  assert.equal(keepsLocalDraft(draft('2017-09-12T04:00:00Z', '2017-09-11T10:00:00+00:00'),
    SERVER), true);
});

test('an unreadable time never pours an old draft over the server one', () => {
  assert.equal(keepsLocalDraft(draft('garbage'), SERVER), false);
  assert.equal(keepsLocalDraft(draft('2017-09-12T04:00:00Z'), 'garbage'), false);
});
