/**
 * Browser twin of survey_app/surveys/expressions.py: evaluates the JSON
 * expression trees that the server parsed, for live skip logic and
 * validation.  The server stays authoritative; this file only has to agree
 * with it, which tests/vectors/expressions.json and the agreement property
 * test check.  It never parses text and never uses eval or Function.
 *
 * Tree nodes: {num}, {lit}, {ref}, {cur}, {op, args} (binary operators are a
 * left fold over args; "neg" is unary minus) and {fn, args}.  Values are
 * XPath values: boolean, number or string.  See expressions.py for the
 * semantics; each helper below mirrors the Python function of the same name.
 */

// XML whitespace only: Python and JavaScript disagree on Unicode whitespace.
const WS_EDGES = /^[ \t\r\n]+|[ \t\r\n]+$/g;
const WS_RUN = /[ \t\r\n]+/;
const NUMBER_TEXT = /^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;
const DATE_TEXT = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
const MAX_SAFE_INTEGER = 2 ** 53;
const hasOwn = Object.prototype.hasOwnProperty;

function trimWs(text) {
  return text.replace(WS_EDGES, '');
}

/** An answer (JSON value) as an XPath value: null/missing is '', a list is 'a b'. */
function value(raw) {
  if (typeof raw === 'boolean' || typeof raw === 'string' || typeof raw === 'number') {
    return raw;
  }
  if (Array.isArray(raw)) return raw.map((item) => toString(item)).join(' ');
  return '';
}

/** Shortest round-trip digits of a positive finite number: x = digits * 10**exp. */
function shortestDigits(magnitude) {
  const [mantissa, exp] = magnitude.toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const stripped = digits.replace(/0+$/, '');
  return [stripped, Number(exp) - (digits.length - 1) + (digits.length - stripped.length)];
}

function formatNumber(number) {
  if (Number.isNaN(number)) return 'NaN';
  if (number === Infinity) return 'Infinity';
  if (number === -Infinity) return '-Infinity';
  if (number === 0) return '0';
  const [digits, exp] = shortestDigits(Math.abs(number));
  let text;
  if (exp >= 0) {
    text = digits + '0'.repeat(exp);
  } else {
    const point = digits.length + exp;
    text = point > 0
      ? `${digits.slice(0, point)}.${digits.slice(point)}`
      : `0.${'0'.repeat(-point)}${digits}`;
  }
  return number < 0 ? `-${text}` : text;
}

/** XPath string(): booleans are 'true'/'false', numbers plain decimals. */
export function toString(raw) {
  const v = value(raw);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return formatNumber(v);
}

/** XPath number(): a trimmed plain decimal, else NaN; booleans are 1 and 0. */
export function toNumber(raw) {
  const v = value(raw);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  const text = trimWs(v);
  return NUMBER_TEXT.test(text) ? Number(text) : NaN;
}

/** XPath boolean(): non-zero non-NaN numbers and non-empty strings. */
export function toBool(raw) {
  const v = value(raw);
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  return v !== '';
}

/** A result as plain JSON: '' and NaN become null, infinities 'Infinity'/'-Infinity'. */
export function toJsonValue(raw) {
  const v = value(raw);
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return v === '' ? null : v;
  if (Number.isNaN(v)) return null;
  if (!Number.isFinite(v)) return formatNumber(v);
  return v === 0 ? 0 : v; // no negative zero in JSON
}

/** The question names that the tree reads through ${name}. */
export function references(tree) {
  const found = new Set();
  const stack = [tree];
  while (stack.length) {
    const node = stack.pop();
    if (hasOwn.call(node, 'ref')) found.add(node.ref);
    if (node.args) stack.push(...node.args);
  }
  return found;
}

/** Days since 1970-01-01 of an ISO date string, or null if it is not one. */
function dateDays(text) {
  const match = DATE_TEXT.exec(trimWs(text));
  if (!match) return null;
  let year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12) return null;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (day < 1 || day > monthDays) return null;
  // Howard Hinnant's days_from_civil, as in expressions.py.
  year -= month <= 2 ? 1 : 0;
  const era = Math.floor(year / 400);
  const yearOfEra = year - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4)
    - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** Number for operators: like number(), but an ISO date counts as its day number. */
function operandNumber(v) {
  if (typeof v === 'string') {
    const days = dateDays(v);
    if (days !== null) return days;
  }
  return toNumber(v);
}

function tokens(v) {
  return toString(v).split(WS_RUN).filter((token) => token !== '');
}

function truncate(x) {
  return Number.isFinite(x) ? Math.trunc(x) : x;
}

function divide(x, y) {
  return x / y; // IEEE already gives XPath's Infinity / -Infinity / NaN
}

function modulo(x, y) {
  return x % y; // fmod: sign of the dividend, NaN for a zero divisor
}

/**
 * Round at 10**-places on the shortest decimal digits; a half goes up (toward
 * +Infinity), as ODK Collect (JavaRosa) does: round(-0.5) = 0,
 * round(-12345.15, 1) = -12345.1.  A zero result is +0.
 */
function round(x, places) {
  if (Number.isNaN(places)) return NaN;
  if (!Number.isFinite(x)) return x;
  if (x === 0) return 0;
  const clamped = truncate(Math.max(-400, Math.min(400, places)));
  const [digits, exp] = shortestDigits(Math.abs(x));
  const drop = Math.trunc(-clamped) - exp;
  if (drop <= 0) return x;
  if (drop > digits.length) return 0;
  let kept = BigInt(digits.slice(0, digits.length - drop) || '0');
  const firstDropped = digits[digits.length - drop];
  // `digits` has no trailing zeros: a lone dropped 5 is exactly half.
  const half = firstDropped === '5' && drop === 1;
  if (firstDropped > '5' || (firstDropped === '5' && (!half || x > 0))) kept += 1n;
  if (kept === 0n) return 0;
  return (x < 0 ? -1 : 1) * Number(`${kept}e${exp + drop}`);
}

function equals(a, b) {
  if (typeof a === 'boolean' || typeof b === 'boolean') return toBool(a) === toBool(b);
  if (typeof a === 'number' || typeof b === 'number') return operandNumber(a) === operandNumber(b);
  return a === b;
}

function binary(op, a, b) {
  if (op === '=') return equals(a, b);
  if (op === '!=') return !equals(a, b);
  const x = operandNumber(a);
  const y = operandNumber(b);
  switch (op) {
    case '<': return x < y;
    case '<=': return x <= y;
    case '>': return x > y;
    case '>=': return x >= y;
    case '+': return x + y;
    case '-': return x - y;
    case '*': return x * y;
    case 'div': return divide(x, y);
    case 'mod': return modulo(x, y);
    default: throw new Error(`malformed expression tree: operator ${op}`);
  }
}

function localToday() {
  const now = new Date();
  const pad = (n, width) => String(n).padStart(width, '0');
  return `${pad(now.getFullYear(), 4)}-${pad(now.getMonth() + 1, 2)}-${pad(now.getDate(), 2)}`;
}

/**
 * Evaluate a tree against the answers given so far.
 *
 * `current` is the value of `.`; `today` is a 'YYYY-MM-DD' string (defaults
 * to the device's local date).  Returns a boolean, number or string.
 */
export function evaluate(tree, answers, current, today) {
  const context = {
    answers: answers || {},
    current: value(current),
    today: today || localToday(),
  };
  return evalNode(tree, context);
}

function evalNode(node, context) {
  if (hasOwn.call(node, 'num')) return Number(node.num);
  if (hasOwn.call(node, 'lit')) return node.lit;
  if (hasOwn.call(node, 'ref')) {
    const { answers } = context;
    return value(hasOwn.call(answers, node.ref) ? answers[node.ref] : null);
  }
  if (hasOwn.call(node, 'cur')) return context.current;
  if (hasOwn.call(node, 'op')) return evalOperator(node.op, node.args, context);
  if (hasOwn.call(node, 'fn')) return evalFunction(node.fn, node.args, context);
  throw new Error('malformed expression tree');
}

function evalOperator(op, args, context) {
  if (op === 'or') return args.some((arg) => toBool(evalNode(arg, context)));
  if (op === 'and') return args.every((arg) => toBool(evalNode(arg, context)));
  if (op === 'neg') return -operandNumber(evalNode(args[0], context));
  let result = evalNode(args[0], context);
  for (let i = 1; i < args.length; i += 1) {
    result = binary(op, result, evalNode(args[i], context));
  }
  return result;
}

function evalFunction(name, args, context) {
  const arg = (index) => evalNode(args[index], context);
  switch (name) {
    case 'selected': {
      const answer = toString(arg(0));
      const wanted = trimWs(toString(arg(1)));
      // As both ODK engines answer: '' is "selected" in an empty answer.
      if (wanted === '') return answer.split(' ').includes('');
      return tokens(answer).includes(wanted);
    }
    case 'count-selected': return tokens(arg(0)).length;
    case 'not': return !toBool(arg(0));
    case 'string-length': return [...toString(arg(0))].length; // code points
    case 'if': return toBool(arg(0)) ? arg(1) : arg(2);
    case 'today': return context.today;
    case 'coalesce': {
      const first = arg(0);
      return toString(first) !== '' ? first : arg(1);
    }
    case 'concat': return args.map((_, index) => toString(arg(index))).join('');
    case 'number': return toNumber(arg(0));
    case 'int': return truncate(toNumber(arg(0)));
    case 'round': return round(toNumber(arg(0)), args.length > 1 ? toNumber(arg(1)) : 0);
    case 'string': return toString(arg(0));
    case 'boolean': return toBool(arg(0));
    case 'true': return true;
    case 'false': return false;
    default: throw new Error(`malformed expression tree: function ${name}`);
  }
}
