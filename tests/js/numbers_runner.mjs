// Helper for tests/unit/test_numbers.py (not a test itself):
//   node tests/js/numbers_runner.mjs CASES.json
// CASES.json is {"texts": [...], "numbers": [...]}.  Prints one JSON object:
// {"parsed": [[decimal result, whole-number result] per text],
//  "formatted": [[6 places, 2 places, every digit] per number]}.
import { readFileSync } from 'node:fs';

import { formatNumber, parseNumber } from '../../static/js/numbers.js';

const { texts, numbers } = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const parsed = texts.map((text) => [false, true].map((integer) => parseNumber(text, { integer })));
const formatted = numbers.map((value) => [formatNumber(value), formatNumber(value, 2),
  formatNumber(value, null)]);
process.stdout.write(JSON.stringify({ parsed, formatted }));
