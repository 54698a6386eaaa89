// Runs the shared search vectors (tests/vectors/search.json) through static/js/search.js;
// tests/unit/test_search.py runs the same file through survey_app/search.py.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { fold, matches, queryWords } from '../../static/js/search.js';

const vectors = JSON.parse(
  readFileSync(new URL('../vectors/search.json', import.meta.url), 'utf8'),
);

test('the vector file has enough cases', () => {
  assert.ok(vectors.fold.length >= 50, `only ${vectors.fold.length} fold vectors`);
  assert.ok(vectors.match.length >= 40, `only ${vectors.match.length} match vectors`);
});

for (const [index, vector] of vectors.fold.entries()) {
  test(`fold #${index}: ${JSON.stringify(vector.text)}`, () => {
    assert.equal(fold(vector.text), vector.folded);
  });
}

for (const [index, vector] of vectors.match.entries()) {
  test(`match #${index}: ${JSON.stringify(vector.query)} in ${JSON.stringify(vector.text)}`, () => {
    assert.equal(matches(vector.query, fold(vector.text)), vector.match);
  });
}

test('query words are folded and split', () => {
  assert.deepEqual(queryWords(' Đắk  hà '), ['dak', 'ha']);
  assert.deepEqual(queryWords(''), []);
  assert.equal(fold(null), '');
});
