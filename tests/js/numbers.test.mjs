// Runs every shared number vector (tests/vectors/numbers.json) through the page's
// reader and writer.  tests/unit/test_numbers.py runs the same file through the server's,
// and compares both on random texts and numbers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { formatNumber, parseNumber } from '../../static/js/numbers.js';

const vectorsUrl = new URL('../vectors/numbers.json', import.meta.url);
const { parse, format } = JSON.parse(readFileSync(vectorsUrl, 'utf8'));

test('the vector file has enough cases', () => {
  assert.ok(parse.length >= 60, `only ${parse.length} parse vectors`);
  assert.ok(parse.filter((v) => v.problem === 'ambiguous').length >= 4);
});

for (const [index, vector] of parse.entries()) {
  const kind = vector.integer ? 'whole number' : 'number';
  test(`parse #${index}: ${JSON.stringify(vector.text).slice(0, 40)} as a ${kind}`, () => {
    const result = parseNumber(vector.text, { integer: Boolean(vector.integer) });
    if (vector.problem) {
      assert.equal(result.value, null);
      assert.deepEqual(result.problem, vector.params
        ? { code: vector.problem, params: vector.params } : { code: vector.problem });
    } else {
      assert.equal(result.problem, null);
      assert.ok(Object.is(result.value, vector.value) || result.value === vector.value,
        `${result.value} is not ${vector.value}`);
      assert.ok(!Object.is(result.value, -0), 'never -0');
    }
  });
}

for (const [index, vector] of format.entries()) {
  test(`format #${index}: ${vector.value} to ${vector.decimals ?? 6} places`, () => {
    const decimals = vector.decimals === undefined ? 6 : vector.decimals;
    assert.equal(formatNumber(vector.value, decimals), vector.text);
  });
}

test('what is written is read back as the same number', () => {
  for (const value of [0, 1, 12.5, 1250, 1250.5, -1250000.75, 0.000001, 999999999999999]) {
    assert.equal(parseNumber(formatNumber(value)).value, value);
  }
});

test('anything but a finite number is written as nothing', () => {
  for (const value of [NaN, Infinity, -Infinity, null, undefined, '12', true]) {
    assert.equal(formatNumber(value), '');
  }
});
