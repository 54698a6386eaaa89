// Helper for tests/unit/test_expressions_agreement.py (not a test itself):
//   node tests/js/agree_runner.mjs CASES.json
// CASES.json is {"cases": [{"tree", "answers", "current", "today"}, ...]}.
// Prints one JSON array with, per case, [[type, value], toString, toBool,
// toJsonValue] of the browser evaluator's result, or {"error": message}.
import { readFileSync } from 'node:fs';

import {
  evaluate, toBool, toJsonValue, toString,
} from '../../static/js/expr.js';

function typed(result) {
  if (typeof result === 'boolean') return ['bool', result];
  if (typeof result === 'number') return ['num', Object.is(result, -0) ? '-0' : toString(result)];
  return ['str', result];
}

const { cases } = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const results = cases.map(({ tree, answers, current, today }) => {
  try {
    const result = evaluate(tree, answers, current, today);
    return [typed(result), toString(result), toBool(result), toJsonValue(result)];
  } catch (error) {
    return { error: String(error && error.message) };
  }
});
process.stdout.write(JSON.stringify(results));
