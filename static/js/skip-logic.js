/**
 * Skip logic and answer checks for a survey form, without the DOM.
 *
 * Browser twin of the relevance and field rules in survey_app/surveys/validation.py,
 * driven by the client schema of survey_app/surveys/rendering.py:
 *
 *   {layout, sections: [{key, relevant?}],
 *    fields: {key: {type, section, repeat?, question?, required?, relevant?,
 *                   constraint?, constraintMessage?, min?, max?, maxLength?, choices?}}}
 *
 * Answers are keyed by field name, as the form posts them (`q1`, `ind.baseline`,
 * `rep.0.child`, matrix row keys) and hold a string or a list of strings.  The server
 * stays authoritative: tests/vectors/relevance.json runs through both sides.
 */
import { evaluate, toBool } from './expr.js';
import { parseNumber } from './numbers.js';

const REPEAT_NAME = /^([a-z][a-z0-9_]*)\.(0|[1-9][0-9]{0,2})\.([a-z][a-z0-9_]*)$/;
const PHONE_TEXT = /^[0-9]+$/;
const DATE_TEXT = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
// C0 controls other than tab and newline, and DEL: the server refuses them in text.
const FORBIDDEN_CHARS = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;
const CHOICE_TYPES = new Set([
  'single_choice', 'multiple_choice', 'yes_no', 'rating', 'matrix_row',
]);
const NO_ANSWER_TYPES = new Set(['note', 'repeat']);
const hasOwn = Object.prototype.hasOwnProperty;

/** Every answer as a list of strings: null is [], 'a' is ['a']. */
function asList(raw) {
  if (raw === null || raw === undefined) return [];
  return Array.isArray(raw) ? raw.map(String) : [String(raw)];
}

/** The distinct typed texts of an answer, trimmed, without the blank ones. */
function filled(raw) {
  const texts = asList(raw).map((text) => text.replace(/\r\n?/g, '\n').trim());
  return [...new Set(texts.filter((text) => text !== ''))];
}

// The data-messages key for a number problem (as validation.number_message words it).
function numberCode(problem, integer) {
  if (problem.code === 'malformed') return integer ? 'integer' : 'decimal';
  if (problem.code === 'ambiguous' && integer) return 'ambiguousInteger';
  return problem.code;
}

/** An ISO date 'YYYY-MM-DD' that exists in the calendar. */
export function isIsoDate(text) {
  const match = DATE_TEXT.exec(text);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return year >= 1 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1
    && date.getUTCDate() === day;
}

/**
 * One field's answer cleaned as validation._clean does: {value, problem}.  The value is
 * what expressions read (a number, a list of choices in choice-list order, an ISO date,
 * trimmed text) or null when unanswered; a problem ({code, params?}) leaves it null, because
 * the server counts an invalid answer as empty for every other question.
 */
export function cleanAnswer(rules, raw) {
  const fail = (code, params) => ({ value: null, problem: params ? { code, params } : { code } });
  if (rules.type === 'multiple_choice') {
    const tokens = asList(raw).flatMap((text) => text.split(/\s+/)).filter(Boolean);
    const known = new Set(rules.choices || []);
    if (!tokens.every((value) => known.has(value))) return fail('choice');
    const inOrder = (rules.choices || []).filter((value) => tokens.includes(value));
    return { value: inOrder.length ? inOrder : null, problem: null };
  }
  const texts = filled(raw);
  if (!texts.length) return { value: null, problem: null };
  if (texts.length > 1) return fail(CHOICE_TYPES.has(rules.type) ? 'choice' : 'constraint');
  const [text] = texts;
  switch (rules.type) {
    case 'integer':
    case 'decimal': {
      const integer = rules.type === 'integer';
      const { value: number, problem } = parseNumber(text, { integer });
      if (problem) return fail(numberCode(problem, integer), problem.params);
      // both bounds go along: the server words "between {min} and {max}" when it has both
      const bounds = Object.fromEntries(
        ['min', 'max'].filter((key) => rules[key] !== undefined).map((key) => [key, rules[key]]),
      );
      if (rules.min !== undefined && number < rules.min) return fail('min', bounds);
      if (rules.max !== undefined && number > rules.max) return fail('max', bounds);
      return { value: number, problem: null };
    }
    case 'date':
      return isIsoDate(text) ? { value: text, problem: null } : fail('date');
    case 'phone':
      if (!PHONE_TEXT.test(text)) return fail('phone');
      if (rules.maxLength && text.length > rules.maxLength) {
        return fail('maxLength', { n: rules.maxLength });
      }
      return { value: text, problem: null };
    case 'text':
    case 'long_text':
      if (FORBIDDEN_CHARS.test(text)) return fail('constraint');
      if (rules.maxLength && [...text].length > rules.maxLength) {
        return fail('maxLength', { n: rules.maxLength });
      }
      return { value: text, problem: null };
    default:
      if (CHOICE_TYPES.has(rules.type) && !(rules.choices || []).includes(text)) {
        return fail('choice');
      }
      return { value: text, problem: null };
  }
}

/** An answer as expressions see it (null when unanswered or invalid). */
export function expressionValue(rules, raw) {
  return cleanAnswer(rules, raw).value;
}

/**
 * The schema entry behind a field name: {key, rules, repeat, row}.  Repeat children are
 * keyed by their own key in the schema and named `repeat.N.key` in the form.
 */
export function fieldInfo(schema, name) {
  const match = REPEAT_NAME.exec(name);
  if (match) {
    const rules = schema.fields[match[3]];
    if (rules && rules.repeat === match[1]) {
      return { key: match[3], rules, repeat: match[1], row: Number(match[2]) };
    }
    return null;
  }
  const rules = hasOwn.call(schema.fields, name) ? schema.fields[name] : null;
  return rules && !rules.repeat ? { key: name, rules, repeat: null, row: null } : null;
}

/** How many rows each repeat has, from the highest row index among the answers. */
export function rowCounts(schema, answers) {
  const counts = {};
  for (const [key, rules] of Object.entries(schema.fields)) {
    if (rules.type === 'repeat') counts[key] = 0;
  }
  for (const name of Object.keys(answers)) {
    const info = fieldInfo(schema, name);
    if (info && info.repeat) counts[info.repeat] = Math.max(counts[info.repeat] ?? 0, info.row + 1);
  }
  return counts;
}

/** Every field instance: top-level fields by key, repeat children once per row. */
function instances(schema, rows) {
  const children = childrenOf(schema);
  const list = [];
  for (const [key, rules] of Object.entries(schema.fields)) {
    if (rules.repeat) continue; // listed right after their repeat, row by row
    list.push({ name: key, key, rules, repeat: null, row: null });
    if (rules.type !== 'repeat') continue;
    for (let row = 0; row < (rows[key] ?? 0); row += 1) {
      for (const child of children[key] ?? []) {
        list.push({ name: `${key}.${row}.${child}`, key: child, rules: schema.fields[child],
          repeat: key, row });
      }
    }
  }
  return list;
}

function childrenOf(schema) {
  const children = {};
  for (const [key, rules] of Object.entries(schema.fields)) {
    if (rules.repeat) (children[rules.repeat] ??= []).push(key);
  }
  return children;
}

/** The answers an expression of `instance` reads: inside a row, siblings by their own key. */
function scopeFor(state, instance) {
  if (!instance.repeat) return state.visible;
  const scope = { ...state.visible };
  for (const child of state.children[instance.repeat] ?? []) {
    const name = `${instance.repeat}.${instance.row}.${child}`;
    if (hasOwn.call(state.visible, name)) scope[child] = state.visible[name];
    else delete scope[child];
  }
  return scope;
}

function holds(tree, answers, today) {
  return toBool(evaluate(tree, answers, null, today));
}

/**
 * Which sections and field instances are relevant, given the answers.
 *
 * A field is relevant when its section, its repeat (for a row's fields) and its own
 * `relevant` hold; a non-relevant field's answer counts as empty for every expression.
 * Starting from "everything relevant", each pass re-evaluates every expression against
 * the answers of the fields still relevant; the loader forbids cycles, so after at most
 * one pass per level of the dependency chain nothing changes and that is the answer the
 * server's evaluation in dependency order gives too.
 *
 * Returns {sections: {key: bool}, fields: {name: bool}, visible: answers of relevant
 * fields, values, children, instances, today}: the `state` that checkAnswers needs.
 */
export function relevance(schema, answers, { rows, today } = {}) {
  const counts = rows ?? rowCounts(schema, answers);
  const all = instances(schema, counts);
  const values = {};
  for (const instance of all) {
    if (NO_ANSWER_TYPES.has(instance.rules.type)) continue;
    const value = expressionValue(instance.rules, answers[instance.name]);
    if (value !== null) values[instance.name] = value;
  }
  const state = {
    sections: Object.fromEntries(schema.sections.map((s) => [s.key, true])),
    fields: Object.fromEntries(all.map((instance) => [instance.name, true])),
    visible: values,
    values,
    children: childrenOf(schema),
    instances: all,
    today,
  };
  const limit = all.length + schema.sections.length + 1;
  for (let pass = 0; pass < limit; pass += 1) {
    const sections = {};
    for (const section of schema.sections) {
      sections[section.key] = !section.relevant || holds(section.relevant, state.visible, today);
    }
    const fields = {};
    for (const instance of all) {
      let relevant = sections[instance.rules.section] !== false;
      // a repeat comes before its rows in `all`, so its verdict of this pass is known
      if (relevant && instance.repeat) relevant = fields[instance.repeat];
      if (relevant && instance.rules.relevant) {
        relevant = holds(instance.rules.relevant, scopeFor(state, instance), today);
      }
      fields[instance.name] = relevant;
    }
    const changed = !sameFlags(sections, state.sections) || !sameFlags(fields, state.fields);
    state.sections = sections;
    state.fields = fields;
    state.visible = Object.fromEntries(
      Object.entries(values).filter(([name]) => fields[name]),
    );
    if (!changed) break;
  }
  return state;
}

function sameFlags(a, b) {
  return Object.keys(a).every((key) => a[key] === b[key]);
}

/** The names of the relevant sections and answer fields (notes and repeats left out). */
export function relevantNames(state) {
  const sections = Object.keys(state.sections).filter((key) => state.sections[key]);
  const fields = state.instances
    .filter((i) => state.fields[i.name] && !NO_ANSWER_TYPES.has(i.rules.type))
    .map((i) => i.name);
  return [...sections, ...fields];
}

/**
 * Whether the question shown under `name` is relevant.  A matrix has no field of its own:
 * it goes with its rows (which share its rules), also inside a repeat row (`rep.N.matrix`).
 */
export function isRelevant(schema, state, name) {
  if (hasOwn.call(state.fields, name)) return state.fields[name];
  const match = REPEAT_NAME.exec(name);
  const key = match ? match[3] : name;
  const prefix = match ? `${match[1]}.${match[2]}.` : '';
  const row = Object.keys(schema.fields).find((field) => schema.fields[field].question === key);
  return row === undefined || state.fields[prefix + row] !== false;
}

/** Whether a repeat row has nothing typed in it (the server drops such rows). */
export function rowIsEmpty(state, answers, repeat, row) {
  return (state.children[repeat] ?? []).every(
    (child) => filled(answers[`${repeat}.${row}.${child}`]).length === 0,
  );
}

/**
 * The problem with one field's answer, or null: {code, params?, message?}.
 * Codes are the keys of the page's data-messages (formpages.form_messages); a constraint
 * carries the survey's own message when it has one.
 * A non-relevant field, or a field of an empty repeat row, has no problem.
 */
export function checkAnswer(schema, state, answers, name) {
  const info = fieldInfo(schema, name);
  if (!info || NO_ANSWER_TYPES.has(info.rules.type) || !state.fields[name]) return null;
  if (info.repeat && rowIsEmpty(state, answers, info.repeat, info.row)) return null;
  const { rules } = info;
  const { value, problem } = cleanAnswer(rules, answers[name]);
  if (problem) return problem;
  if (value === null) return rules.required ? { code: 'required' } : null;
  if (rules.constraint) {
    const scope = scopeFor(state, { repeat: info.repeat, row: info.row });
    if (!toBool(evaluate(rules.constraint, scope, value, state.today))) {
      return { code: 'constraint', message: rules.constraintMessage || null };
    }
  }
  return null;
}

/** Every problem among the relevant fields, in form order: {name: problem}. */
export function checkAnswers(schema, state, answers) {
  const problems = {};
  for (const instance of state.instances) {
    const problem = checkAnswer(schema, state, answers, instance.name);
    if (problem) problems[instance.name] = problem;
  }
  return problems;
}
