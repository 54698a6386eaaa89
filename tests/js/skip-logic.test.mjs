// Skip logic in the browser: the shared relevance table (tests/vectors/relevance.json,
// also run against the server by tests/unit/test_relevance_vectors.py) plus the
// answer checks that the page runs live.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import {
  checkAnswer, checkAnswers, expressionValue, fieldInfo, isIsoDate, isRelevant,
  relevance, relevantNames, rowCounts,
} from '../../static/js/skip-logic.js';

const vectorsUrl = new URL('../vectors/relevance.json', import.meta.url);
const { cases } = JSON.parse(readFileSync(vectorsUrl, 'utf8'));
const TODAY = '2017-09-15';

test('the relevance table has enough cases', () => {
  assert.ok(cases.length >= 25, `only ${cases.length} cases`);
});

for (const [index, vector] of cases.entries()) {
  test(`relevance #${index}: ${vector.name}`, () => {
    const state = relevance(vector.schema, vector.answers, { today: TODAY });
    assert.deepEqual(relevantNames(state).sort(), [...vector.visible].sort());
  });
}

// --------------------------------------------------------------------------
// A small survey of every kind of rule, for the checks
// --------------------------------------------------------------------------

const tree = {
  atLeastOne: { op: '>=', args: [{ cur: true }, { num: 1 }] },
  notFuture: { op: '<=', args: [{ cur: true }, { fn: 'today', args: [] }] },
  belowBaseline: { op: '<=', args: [{ cur: true }, { ref: 'members.baseline' }] },
  isYes: (ref) => ({ op: '=', args: [{ ref }, { lit: 'yes' }] }),
  siblingOk: { op: '<=', args: [{ cur: true }, { ref: 'size' }] },
};

const schema = {
  key: 'checks',
  layout: 'pages',
  sections: [{ key: 's1' }, { key: 's2', relevant: tree.isYes('open') }],
  fields: {
    open: { type: 'yes_no', section: 's1', required: true, choices: ['yes', 'no'] },
    name: { type: 'text', section: 's1', maxLength: 5 },
    count: {
      type: 'integer', section: 's1', min: 0, max: 100,
      constraint: tree.atLeastOne, constraintMessage: 'At least one.',
    },
    share: { type: 'decimal', section: 's1', max: 1.5 },
    amount: { type: 'decimal', section: 's1' },
    phone: { type: 'phone', section: 's1', maxLength: 12 },
    visited: { type: 'date', section: 's1', constraint: tree.notFuture },
    docs: { type: 'multiple_choice', section: 's1', choices: ['a', 'b', 'c'] },
    m_pay: {
      type: 'matrix_row', section: 's1', required: true, choices: ['1', '2'], question: 'm',
    },
    'members.baseline': { type: 'decimal', section: 's1', question: 'members' },
    members: {
      type: 'decimal', section: 's1', question: 'members', constraint: tree.belowBaseline,
    },
    reason: { type: 'text', section: 's2', required: true },
    teams: { type: 'repeat', section: 's1' },
    size: { type: 'integer', section: 's1', repeat: 'teams', required: true },
    women: { type: 'integer', section: 's1', repeat: 'teams', constraint: tree.siblingOk },
  },
};

function check(answers, name) {
  const state = relevance(schema, answers, { today: TODAY });
  return checkAnswer(schema, state, answers, name);
}

test('numbers are read the Vietnamese way (tests/vectors/numbers.json has the rule)', () => {
  const f = schema.fields;
  assert.equal(expressionValue(f.amount, '1.250'), 1250);
  assert.equal(expressionValue(f.amount, '1.250.000'), 1250000);
  assert.equal(expressionValue(f.amount, '12,5'), 12.5);
  assert.equal(expressionValue(f.amount, ' 12.5 '), 12.5);
  assert.equal(expressionValue({ type: 'integer' }, '1.250'), 1250);
  assert.equal(expressionValue(f.amount, '1,250'), null); // refused: counts as empty
  assert.equal(expressionValue(f.amount, '1e3'), null);
});

test('dates must exist in the calendar', () => {
  assert.ok(isIsoDate('2016-02-29'));
  assert.ok(!isIsoDate('2017-02-29'));
  assert.ok(!isIsoDate('2017-9-1'));
});

test('answers become expression values by type', () => {
  const f = schema.fields;
  assert.equal(expressionValue(f.count, ['7']), 7);
  assert.equal(expressionValue(f.share, '0,5'), 0.5);
  assert.equal(expressionValue(f.count, 'seven'), null);
  assert.deepEqual(expressionValue(f.docs, ['c', 'a']), ['a', 'c']); // choice-list order
  assert.deepEqual(expressionValue(f.docs, 'b a'), ['a', 'b']);
  assert.equal(expressionValue(f.docs, []), null);
  assert.equal(expressionValue(f.visited, '2017-13-01'), null);
  assert.equal(expressionValue(f.name, '  Lan '), 'Lan');
  assert.equal(expressionValue(f.name, '   '), null);
});

test('field names map to the schema, repeat children by row', () => {
  assert.deepEqual(fieldInfo(schema, 'teams.3.size'),
    { key: 'size', rules: schema.fields.size, repeat: 'teams', row: 3 });
  assert.equal(fieldInfo(schema, 'size'), null); // a child only exists inside a row
  assert.equal(fieldInfo(schema, 'other.0.size'), null);
  assert.equal(fieldInfo(schema, 'members.baseline').key, 'members.baseline');
  assert.equal(fieldInfo(schema, 'constructor'), null);
  assert.deepEqual(rowCounts(schema, { 'teams.0.size': '1', 'teams.4.women': '' }), { teams: 5 });
});

test('required, and a hidden required question is not', () => {
  assert.deepEqual(check({}, 'open'), { code: 'required' });
  assert.deepEqual(check({ open: 'yes' }, 'reason'), { code: 'required' });
  assert.equal(check({ open: 'no' }, 'reason'), null);
  assert.deepEqual(check({ m_pay: ' ' }, 'm_pay'), { code: 'required' });
});

test('number format, min and max', () => {
  assert.deepEqual(check({ count: '3.5' }, 'count'), { code: 'fraction' });
  assert.deepEqual(check({ count: '3,0' }, 'count'), { code: 'fraction' });
  assert.deepEqual(check({ count: 'ba' }, 'count'), { code: 'integer' });
  assert.deepEqual(check({ count: '1,250' }, 'count'),
    { code: 'ambiguousInteger', params: { thousands: '1.250', decimal: '1,25' } });
  assert.deepEqual(check({ amount: '1,250' }, 'amount'),
    { code: 'ambiguous', params: { thousands: '1.250', decimal: '1,25' } });
  assert.deepEqual(check({ amount: '1,250.5' }, 'amount'),
    { code: 'english', params: { written: '1.250,5' } });
  assert.deepEqual(check({ amount: '1 250' }, 'amount'), { code: 'spaces' });
  assert.deepEqual(check({ amount: '1.25.000' }, 'amount'), { code: 'grouping' });
  assert.deepEqual(check({ amount: '0,1234567' }, 'amount'),
    { code: 'decimals', params: { n: '6' } });
  assert.deepEqual(check({ amount: '2.000.000.000.000.000' }, 'amount'), { code: 'large' });
  assert.equal(check({ amount: '1.250,5' }, 'amount'), null);
  assert.deepEqual(check({ count: '-1' }, 'count'), { code: 'min', params: { min: 0, max: 100 } });
  assert.deepEqual(check({ count: '101' }, 'count'), { code: 'max', params: { min: 0, max: 100 } });
  assert.deepEqual(check({ share: 'abc' }, 'share'), { code: 'decimal' });
  assert.deepEqual(check({ share: '1,6' }, 'share'), { code: 'max', params: { max: 1.5 } });
  assert.equal(check({ share: '1,5' }, 'share'), null);
});

test('phone numbers are digits only', () => {
  assert.equal(check({ phone: '0905123456' }, 'phone'), null);
  assert.equal(expressionValue(schema.fields.phone, '0905123456'), '0905123456'); // text
  for (const typed of ['0905 123 456', '+84905123456', '0905.123.456', 'số máy']) {
    assert.deepEqual(check({ phone: typed }, 'phone'), { code: 'phone' });
  }
  assert.deepEqual(check({ phone: '0905123456789' }, 'phone'),
    { code: 'maxLength', params: { n: 12 } });
});

test('constraints, with the survey message, `.` and other answers', () => {
  assert.deepEqual(check({ count: '0' }, 'count'),
    { code: 'constraint', message: 'At least one.' });
  assert.equal(check({ count: '2' }, 'count'), null);
  assert.deepEqual(check({ visited: '2017-09-16' }, 'visited'),
    { code: 'constraint', message: null });
  assert.equal(check({ visited: '2017-09-15' }, 'visited'), null);
  assert.deepEqual(check({ visited: '15/09/2017' }, 'visited'), { code: 'date' });
  assert.equal(check({ 'members.baseline': '10', members: '9,5' }, 'members'), null);
  assert.equal(check({ 'members.baseline': '10', members: '11' }, 'members').code, 'constraint');
});

test('text length counts characters, choices must be known', () => {
  assert.equal(check({ name: 'Đắk Hà' }, 'name').code, 'maxLength'); // 6 characters
  assert.equal(check({ name: 'Đắk H' }, 'name'), null);
  assert.deepEqual(check({ docs: ['a', 'z'] }, 'docs'), { code: 'choice' });
  assert.deepEqual(check({ open: ['yes', 'no'] }, 'open'), { code: 'choice' });
  assert.equal(check({ docs: 'a c' }, 'docs'), null);
});

test('repeat rows: siblings of the same row, empty rows are not checked', () => {
  const answers = {
    'teams.0.size': '5', 'teams.0.women': '6',
    'teams.1.size': '', 'teams.1.women': '',
    'teams.2.size': '', 'teams.2.women': '1',
  };
  const state = relevance(schema, answers, { today: TODAY });
  assert.deepEqual(checkAnswers(schema, state, answers), {
    open: { code: 'required' },
    m_pay: { code: 'required' },
    'teams.0.women': { code: 'constraint', message: null },
    'teams.2.size': { code: 'required' },
    'teams.2.women': { code: 'constraint', message: null }, // 1 <= '' is false, as in XPath
  });
});

test('rows can be given explicitly (the page counts its rows)', () => {
  const state = relevance(schema, {}, { rows: { teams: 2 }, today: TODAY });
  assert.ok(state.fields['teams.1.size']);
  assert.equal(state.fields['teams.2.size'], undefined);
});

test('a matrix is relevant by its rows', () => {
  const state = relevance(schema, {}, { today: TODAY });
  assert.equal(isRelevant(schema, state, 'm'), true);
  assert.equal(isRelevant(schema, state, 'reason'), false);
});

test('a cycle (which the loader refuses) still ends', () => {
  const cyclic = {
    sections: [{ key: 's' }],
    fields: {
      a: { type: 'text', section: 's', relevant: { op: '=', args: [{ ref: 'b' }, { lit: '' }] } },
      b: { type: 'text', section: 's', relevant: { op: '=', args: [{ ref: 'a' }, { lit: '' }] } },
    },
  };
  const state = relevance(cyclic, { a: 'x', b: 'y' });
  assert.equal(typeof state.fields.a, 'boolean');
});
