// The unit picker's filter (static/js/unit-picker.js), without a page.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fold } from '../../static/js/search.js';
import { visibleOptions } from '../../static/js/unit-picker.js';

const TREE = [
  ['', 0, true],
  ['Liên đoàn Lao động tỉnh Kon Tum KT', 0],
  ['LĐLĐ huyện Đắk Hà KT-DAKHA', 1],
  ['CĐCS Công ty Cà phê Đắk Hà (mẫu) MAU-CDCS-DAKHA01', 2],
  ['LĐLĐ huyện Sa Thầy KT-SATHAY', 1],
  ['CĐCS Trường Tiểu học Sa Thầy MAU-SATHAY01', 2],
  ['LĐLĐ thành phố Kon Tum KT-TPKT', 1],
  ['CĐCS Công ty TNHH May mặc Kon Tum (mẫu) MAU-CDCS-TPKT01', 2],
];
const entries = (selected = -1) => TREE.map(([text, depth, blank = false], i) => ({
  search: fold(text), depth, blank, selected: i === selected,
}));
const shown = (result) => result.show.flatMap((s, i) => (s ? [i] : []));

test('without a query every option shows', () => {
  const result = visibleOptions(entries(), '  ');
  assert.deepEqual(shown(result), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(result.matched, null);
});

test('"dak ha" keeps Đắk Hà, its units and the province above, and the empty choice', () => {
  const result = visibleOptions(entries(), 'dak ha');
  assert.deepEqual(shown(result), [0, 1, 2, 3]);
  assert.equal(result.matched, 2);
});

test('every word must match, in any order, with or without accents', () => {
  assert.deepEqual(shown(visibleOptions(entries(), 'may cđcs')), [0, 1, 6, 7]);
  assert.deepEqual(shown(visibleOptions(entries(), 'Sa Thầy truong')), [0, 1, 4, 5]);
  assert.equal(visibleOptions(entries(), 'ha noi').matched, 0);
  assert.deepEqual(shown(visibleOptions(entries(), 'ha noi')), [0]);
});

test('the chosen unit stays listed whatever is typed', () => {
  assert.deepEqual(shown(visibleOptions(entries(7), 'sa thay')), [0, 1, 4, 5, 7]);
});

test('codes are searched too', () => {
  assert.deepEqual(shown(visibleOptions(entries(), 'kt-sathay')), [0, 1, 4]);
});
