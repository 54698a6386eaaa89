// Runs every shared vector (tests/vectors/expressions.json) through the
// browser evaluator.  The Python side runs the same file in
// tests/unit/test_expressions.py; together they keep the two evaluators equal.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import {
  evaluate, references, toBool, toJsonValue, toNumber, toString,
} from '../../static/js/expr.js';

const vectorsUrl = new URL('../vectors/expressions.json', import.meta.url);
const { today, vectors } = JSON.parse(readFileSync(vectorsUrl, 'utf8'));

test('the vector file has enough cases', () => {
  assert.ok(vectors.length >= 170, `only ${vectors.length} vectors`);
});

for (const [index, vector] of vectors.entries()) {
  if (vector.error) continue; // the browser never parses; errors are Python's job
  test(`#${index}: ${vector.expr.slice(0, 80)}`, () => {
    const result = evaluate(vector.tree, vector.answers ?? {}, vector.current ?? null, today);
    assert.deepEqual(toJsonValue(result), vector.expect);
  });
}

test('conversions follow XPath', () => {
  assert.equal(toString(5), '5');
  assert.equal(toString(-0), '0');
  assert.equal(toString(1e21), '1000000000000000000000');
  assert.equal(toString(1.5e-7), '0.00000015');
  assert.equal(toString(NaN), 'NaN');
  assert.equal(toString(['a', 'b']), 'a b');
  assert.equal(toString(null), '');
  assert.equal(toNumber(' 12 '), 12);
  assert.ok(Number.isNaN(toNumber('1e3')));
  assert.ok(Number.isNaN(toNumber('Infinity')));
  assert.equal(toNumber(true), 1);
  assert.equal(toBool('0'), true);
  assert.equal(toBool(NaN), false);
  assert.equal(toBool([]), false);
  assert.equal(toJsonValue(''), null);
  assert.equal(toJsonValue(-0), 0);
  assert.ok(Object.is(toJsonValue(-0), 0));
  assert.equal(toJsonValue(-Infinity), '-Infinity');
});

test('answers are looked up as own properties only', () => {
  const tree = { op: '=', args: [{ ref: 'constructor' }, { lit: '' }] };
  assert.equal(evaluate(tree, {}, null, today), true);
});

test('references lists the ${names} a tree reads', () => {
  const tree = { op: 'and', args: [{ ref: 'a' }, { fn: 'not', args: [{ ref: 'b' }] }, { cur: true }] };
  assert.deepEqual([...references(tree)].sort(), ['a', 'b']);
});

test('today defaults to the local date', () => {
  const result = evaluate({ fn: 'today', args: [] }, {});
  assert.match(result, /^\d{4}-\d{2}-\d{2}$/);
});

test('malformed trees throw instead of guessing', () => {
  assert.throws(() => evaluate({ fn: 'eval', args: [] }, {}, null, today));
  assert.throws(() => evaluate({ op: '**', args: [{ num: 1 }, { num: 2 }] }, {}, null, today));
  assert.throws(() => evaluate({}, {}, null, today));
});
