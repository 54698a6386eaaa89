// Numbers as Vietnamese people write them ("1.250" is 1250, "12,5" is 12.5): the twin of
// survey_app/surveys/numbers.py, which explains the rule; tests/vectors/numbers.json runs
// through both.

export const MAX_ABS_NUMBER = 1e15;
export const MAX_DECIMALS = 6;

const SPACES = /\s/;
const EDGES = /^\s+|\s+$/g;
const SIGNS = { '+': '', '-': '-', '\u2212': '-' };
const SHAPE = /^[0-9.,]+$/;
const DIGITS = /^[0-9]+$/;
const GROUPED = /^([1-9][0-9]{0,2}(?:\.[0-9]{3})+)(?:,([0-9]+))?$/;
const COMMA_DECIMAL = /^([0-9]*),([0-9]+)$/;
const AMBIGUOUS = /^[1-9][0-9]{0,2},[0-9]{3}$/;
const POINT_DECIMAL = /^(0|[1-9][0-9]*)?\.([0-9]+)$/;
const ENGLISH = /^[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]+)?$/;
const ZERO_LED = /^0[0-9]+\.[0-9]+$/;
const MAX_WHOLE_DIGITS = 16;

const fail = (code, params) => ({ value: null, problem: params ? { code, params } : { code } });

function asDecimal(text) {
  const [whole, fraction] = text.split(',');
  const shorter = fraction.replace(/0+$/, '') || '0';
  return `${whole},${shorter !== fraction ? shorter : `${fraction}0`}`;
}

function toNumber(sign, whole, fraction, integer) {
  if (whole.replace(/^0+/, '').length > MAX_WHOLE_DIGITS) return fail('large');
  if (integer && fraction) return fail('fraction');
  if (fraction.length > MAX_DECIMALS) return fail('decimals', { n: String(MAX_DECIMALS) });
  let value = Number(fraction ? `${whole || '0'}.${fraction}` : whole);
  if (Math.abs(value) > MAX_ABS_NUMBER) return fail('large');
  if (sign && value) value = -value;
  return { value, problem: null };
}

/** The number typed: {value, problem}; a problem ({code, params?}) as in numbers.py. */
export function parseNumber(text, { integer = false } = {}) {
  let rest = String(text ?? '').replace(EDGES, '');
  if (SPACES.test(rest)) return fail('spaces');
  let sign = '';
  if (Object.hasOwn(SIGNS, rest.charAt(0))) {
    sign = SIGNS[rest.charAt(0)];
    rest = rest.slice(1);
  }
  if (!SHAPE.test(rest)) return fail('malformed');
  let match;
  if (DIGITS.test(rest)) return toNumber(sign, rest, '', integer);
  if ((match = GROUPED.exec(rest))) {
    return toNumber(sign, match[1].replaceAll('.', ''), match[2] ?? '', integer);
  }
  if ((match = COMMA_DECIMAL.exec(rest))) {
    if (AMBIGUOUS.test(rest)) {
      return fail('ambiguous', {
        thousands: sign + rest.replace(',', '.'), decimal: sign + asDecimal(rest),
      });
    }
    return toNumber(sign, match[1], match[2], integer);
  }
  if ((match = POINT_DECIMAL.exec(rest))) return toNumber(sign, match[1] ?? '', match[2], integer);
  if (ENGLISH.test(rest)) {
    const written = rest.replace(/[.,]/g, (mark) => (mark === '.' ? ',' : '.'));
    return fail('english', { written: sign + written });
  }
  const point = rest.indexOf('.');
  if (rest.split('.').length > 2 || (point >= 0 && point < rest.lastIndexOf(','))
      || ZERO_LED.test(rest)) {
    return fail('grouping');
  }
  return fail('malformed');
}

function increment(digits) {
  const list = digits.split('');
  for (let i = list.length - 1; i >= 0; i -= 1) {
    if (list[i] !== '9') {
      list[i] = String(Number(list[i]) + 1);
      return list.join('');
    }
    list[i] = '0';
  }
  return `1${list.join('')}`;
}

// [whole, fraction] digits of a finite number >= 0, from String().
function digitsOf(number) {
  const [, lead, tail = '', exponent = '0'] = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/
    .exec(String(number));
  const digits = lead + tail;
  const point = lead.length + Number(exponent);
  if (point <= 0) return ['0', '0'.repeat(-point) + digits];
  if (point >= digits.length) return [digits + '0'.repeat(point - digits.length), ''];
  return [digits.slice(0, point), digits.slice(point)];
}

/** "1.250", "12,5": as numbers.py's format_number (null decimals: every digit). */
export function formatNumber(value, decimals = MAX_DECIMALS) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '';
  let [whole, fraction] = digitsOf(Math.abs(value));
  if (decimals !== null && fraction.length > decimals) {
    const up = fraction.charAt(decimals) >= '5';
    fraction = fraction.slice(0, decimals);
    if (up) {
      const bumped = increment(whole + fraction);
      whole = bumped.slice(0, bumped.length - fraction.length);
      fraction = bumped.slice(bumped.length - fraction.length);
    }
  }
  whole = whole.replace(/^0+(?=\d)/, '');
  fraction = fraction.replace(/0+$/, '');
  const grouped = whole.replace(/\B(?=(\d{3})+$)/g, '.');
  const text = fraction ? `${grouped},${fraction}` : grouped;
  return value < 0 && text !== '0' ? `-${text}` : text;
}
