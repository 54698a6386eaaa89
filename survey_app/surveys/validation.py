"""Server-side validation of a submitted survey form: the final word on what is stored.

The browser mirrors some of these rules (required, types, skip logic) for comfort, but a
POST can contain anything, so everything is checked again here, and no form content ever
makes this module raise: every outcome is a :class:`ValidationResult`.

The work happens in this order, and the order matters:

1. Read the form into ``name -> list of strings``, size guards first, so that a hostile
   body is rejected before any real work.
2. Sort names into control fields (ignored), answer fields and unknown names.
3. Clean each answer field on its own: type, range, length and choice membership do not
   depend on other answers.  An invalid value counts as empty for everything else.
4. Work out relevance (skip logic) in dependency order, feeding every expression only the
   answers of relevant questions, so that a question hidden because of a hidden question is
   hidden too (XLSForm semantics).
5. For relevant fields only: report cleaning errors, check constraints and ``required``,
   and collect the values to store.  Answers to non-relevant questions are dropped silently:
   the person could not see them.

Field names are those of the format contract (``model.py``): ``key``, a matrix row key,
``ind.baseline``/``ind`` for an indicator and ``rep.N.child`` inside a repeat.
"""

from __future__ import annotations

import functools
import logging
import math
import re
from collections import ChainMap
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple, TypeVar

from flask_babel import get_locale, gettext, ngettext

from survey_app.surveys.expressions import evaluate, references, to_bool
from survey_app.surveys.model import (
    BASELINE,
    CHOICE_TYPES,
    TEXT_TYPES,
    Definition,
    Expr,
    QType,
    Question,
    Section,
)
from survey_app.surveys.numbers import (
    MAX_ABS_NUMBER,
    NumberProblem,
    format_number,
    input_text,
    parse_number,
)

__all__ = [
    "FORM_ERROR",
    "MAX_ABS_NUMBER",
    "MAX_FIELDS",
    "MAX_VALUE_LENGTH",
    "AnswerValue",
    "ValidationResult",
    "expression_answers",
    "indicator_change",
    "number_message",
    "relevance",
    "validate",
]

log = logging.getLogger(__name__)

FORM_ERROR = "__form__"
"""Key in ``ValidationResult.errors`` for problems that belong to no single field."""

MAX_FIELDS = 2000
"""Most name/value pairs accepted in one form (control fields included)."""

MAX_VALUE_LENGTH = 10_000
"""Most characters accepted in one submitted value, whatever its question's max_length."""

DEFAULT_MAX_LENGTH = {QType.TEXT: 500, QType.LONG_TEXT: 5000, QType.PHONE: 15}

CONTROL_FIELDS = frozenset({"csrf_token"})
"""Control fields besides every name starting with ``_``."""

_UNKNOWN_SHOWN = 10  # unknown names listed in the message; the rest become "…"
_NAME_SHOWN = 60  # characters of one unknown name shown
_BIG_INDEX = 10**9  # stands for any row index with more digits than this

_PHONE = re.compile(r"[0-9]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ROW_INDEX = re.compile(r"0|[1-9][0-9]*")
# C0 controls other than tab and newline, and DEL: invisible, and NUL cannot be stored.
_FORBIDDEN_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_KIND = {
    **{qtype: "text" for qtype in TEXT_TYPES},
    QType.PHONE: "text",
    QType.INTEGER: "number",
    QType.DECIMAL: "number",
    QType.INDICATOR: "number",
    QType.DATE: "date",
    **{qtype: "choice" for qtype in CHOICE_TYPES},
}


# --------------------------------------------------------------------------
# Public results
# --------------------------------------------------------------------------


class AnswerValue(NamedTuple):
    """One typed value to store (one row in the answers table); a tuple, made many times per
    submission."""

    question_key: str  # the question (or matrix row) key; for indicators the indicator key
    repeat_index: int | None  # row index inside a repeat, else None
    part: str | None  # "baseline" for an indicator's baseline value, else None
    kind: str  # "text" | "number" | "date" | "choice"
    value: str | float | int | date


@dataclass
class ValidationResult:
    """What :func:`validate` found.

    ``values`` and ``answers`` hold every relevant, well-typed answer even when ``errors`` is
    not empty (a value failing its constraint included), so callers must store them only
    when :attr:`ok`.  ``relevant`` is the skip-logic outcome validation used (see
    :func:`relevance`), handy for re-rendering the form.
    """

    values: dict[str, Any]
    answers: list[AnswerValue]
    errors: dict[str, str]
    raw: dict[str, list[str]]
    relevant: dict[str, bool] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


# --------------------------------------------------------------------------
# The fields of a definition
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Slot:
    """One answer field of a question.

    ``name`` is the field name outside repeats and the name expressions use; inside a
    repeat it is the row-local name (the form field is ``rep.N.name``).
    """

    name: str
    question: Question
    part: str | None  # BASELINE for an indicator's baseline
    store_key: str  # AnswerValue.question_key


def _slots(question: Question) -> list[_Slot]:
    if question.type is QType.MATRIX:
        return [_Slot(row.key, question, None, row.key) for row in question.rows]
    if question.type is QType.INDICATOR:
        return [
            _Slot(f"{question.key}.{BASELINE}", question, BASELINE, question.key),
            _Slot(question.key, question, None, question.key),
        ]
    if question.type in (QType.NOTE, QType.REPEAT):
        return []
    return [_Slot(question.key, question, None, question.key)]


@dataclass
class _Schema:
    """Lookup tables over a definition, built once per definition object (see ``of``)."""

    sections: dict[str, Section] = field(default_factory=dict)
    questions: dict[str, Question] = field(default_factory=dict)  # top-level, by key
    section_of: dict[str, str] = field(default_factory=dict)  # question key -> section key
    slots: dict[str, _Slot] = field(default_factory=dict)  # top-level field name -> slot
    repeats: dict[str, Question] = field(default_factory=dict)
    children: dict[str, dict[str, _Slot]] = field(default_factory=dict)  # repeat -> local
    by_question: dict[str, list[_Slot]] = field(default_factory=dict)  # question key -> slots
    targets: dict[str, _Target] = field(default_factory=dict)  # top-level field name -> target

    @classmethod
    def of(cls, definition: Definition) -> _Schema:
        """The schema of ``definition``, cached by identity (definitions are unhashable and
        never changed once loaded; the cache keeps each one alive, so an id is never reused
        while it is in the cache)."""
        cached = _SCHEMAS.get(id(definition))
        if cached is not None and cached[0] is definition:
            return cached[1]
        schema = cls._build(definition)
        if len(_SCHEMAS) >= _SCHEMAS_MAX:
            _SCHEMAS.clear()
        _SCHEMAS[id(definition)] = (definition, schema)
        return schema

    @classmethod
    def _build(cls, definition: Definition) -> _Schema:
        schema = cls()
        for section in definition.sections:
            schema.sections[section.key] = section
            for question in section.questions:
                schema.questions[question.key] = question
                schema.section_of[question.key] = section.key
                schema.by_question[question.key] = _slots(question)
                schema.slots.update((slot.name, slot) for slot in schema.by_question[question.key])
                if question.type is QType.REPEAT:
                    schema.repeats[question.key] = question
                    for child in question.questions:
                        schema.by_question[child.key] = _slots(child)
                    schema.children[question.key] = {
                        slot.name: slot
                        for child in question.questions
                        for slot in schema.by_question[child.key]
                    }
        schema.targets = {name: _Target(slot) for name, slot in schema.slots.items()}
        return schema

    @functools.cached_property
    def order(self) -> list[str]:
        """Section and question keys, each after the ones its relevance reads."""
        deps: dict[str, set[str]] = {
            key: _owners(s.relevant, self.slots) for key, s in self.sections.items()
        }
        for key, question in self.questions.items():
            deps[key] = {self.section_of[key]} | _owners(question.relevant, self.slots)
        return _topological([*self.sections, *self.questions], deps)

    @functools.cached_property
    def child_orders(self) -> dict[str, list[str]]:
        """For each repeat, its child question keys in the same dependency order."""
        orders = {}
        for key, repeat in self.repeats.items():
            local_slots = self.children[key]
            deps = {c.key: _owners(c.relevant, local_slots) for c in repeat.questions}
            orders[key] = _topological([c.key for c in repeat.questions], deps)
        return orders


_SCHEMAS: dict[int, tuple[Definition, _Schema]] = {}
_SCHEMAS_MAX = 256


def _owners(expr: Expr | None, slots: Mapping[str, _Slot]) -> set[str]:
    """The questions whose fields an expression reads."""
    return {slots[name].question.key for name in _refs(expr) if name in slots}


@dataclass(frozen=True)
class _Target:
    """Where a submitted name belongs: a slot, and the repeat row for repeat children."""

    slot: _Slot
    repeat: str | None = None
    row: int | None = None


_CONTROL = object()  # marks a control field in _classify


def _classify(schema: _Schema, name: str) -> _Target | object | None:
    """The field a submitted name answers, :data:`_CONTROL`, or None for an unknown name."""
    if name.startswith("_") or name in CONTROL_FIELDS:
        return _CONTROL
    target = schema.targets.get(name)
    if target is not None:
        return target
    repeat, _, rest = name.partition(".")
    index_text, _, local = rest.partition(".")
    slot = schema.children.get(repeat, {}).get(local)
    if slot is None or not _ROW_INDEX.fullmatch(index_text):
        return None
    index = int(index_text) if len(index_text) <= 9 else _BIG_INDEX
    return _Target(slot, repeat, index)


def _field_name(repeat: str | None, row: int | None, local: str) -> str:
    return local if repeat is None else f"{repeat}.{row}.{local}"


# --------------------------------------------------------------------------
# Reading the form
# --------------------------------------------------------------------------


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A number sent as a number (JSON): typed text that reads back as that number.
        return input_text(value)
    return "" if value is None else str(value)


def _read_form(form: Mapping | None) -> tuple[list[tuple[str, list[str]]], bool]:
    """The form as (name, values) pairs in order; True as well when it has too many values.

    Counting stops at the limit, so a huge body costs no more than a legal one.
    """
    if not isinstance(form, Mapping):
        return [], False  # e.g. a JSON body whose "answers" is not an object: nothing sent
    getlist = getattr(form, "getlist", None)
    merged: dict[str, list[str]] = {}
    count = 0
    for key in form:
        raw = getlist(key) if callable(getlist) else form[key]
        if isinstance(raw, list | tuple):
            values = [_as_text(value) for value in raw]
        else:
            values = [] if raw is None else [_as_text(raw)]
        count += max(1, len(values))
        if count > MAX_FIELDS:
            return [], True
        merged.setdefault(_as_text(key), []).extend(values)
    return list(merged.items()), False


# --------------------------------------------------------------------------
# Cleaning one field (type, range, length, choices)
# --------------------------------------------------------------------------


def _locale() -> str:
    """The request's language code; 'vi' (the survey default) outside a request."""
    try:
        locale = get_locale()
    except Exception:  # no usable Babel context: fall back to the default language
        return "vi"
    return locale.language if locale is not None else "vi"


def _number_text(number: float) -> str:
    """A bound as people write it, in any language: 1.250; 12,5."""
    return format_number(number)


def _too_long(limit: int, count: int) -> str:
    return ngettext(
        "Enter at most %(limit)s character (now %(count)s).",
        "Enter at most %(limit)s characters (now %(count)s).",
        limit,
        limit=format_number(limit),
        count=format_number(count),
    )


def number_message(problem: NumberProblem, *, integer: bool) -> str:
    """What to tell a person whose typed number was refused (the page says the same)."""
    code, params = problem.code, problem.params
    if code == "malformed":
        if integer:
            return gettext("Enter a whole number, e.g. 25 or 1.250.")
        return gettext("Enter a number, e.g. 1.250 or 12,5.")
    if code == "fraction":
        return gettext("Enter a whole number, without decimals.")
    if code == "spaces":
        return gettext("Write the number without spaces, e.g. 1.250.")
    if code == "grouping":
        return gettext(
            "Put a dot between each group of three digits (1.250.000) "
            "and a comma before the decimals (12,5)."
        )
    if code == "ambiguous" and integer:
        return gettext("Group thousands with a dot: %(thousands)s.", **params)
    if code == "ambiguous":
        return gettext(
            "“%(thousands)s” or “%(decimal)s”? Write %(thousands)s for thousands, "
            "or %(decimal)s for a decimal.",
            **params,
        )
    if code == "english":
        return gettext(
            "Write %(written)s: a dot groups thousands and a comma marks the decimals.",
            **params,
        )
    if code == "decimals":
        return gettext("Enter at most %(n)s digits after the decimal comma.", **params)
    return gettext("This number is too large.")


def _parse_number(text: str, question: Question) -> tuple[int | float | None, str | None]:
    """Integers and integer indicators as int; decimals as float; decimal indicators as int
    when typed whole, else float (numbers.parse_number reads the text)."""
    integer = question.is_integer
    number, problem = parse_number(text, integer=integer)
    if problem is not None or number is None:
        return None, number_message(problem or NumberProblem("malformed"), integer=integer)
    if question.type is QType.DECIMAL:
        number = float(number)
    return number, None


def _range_error(question: Question, number: float) -> str | None:
    low, high = question.min, question.max
    if (low is None or number >= low) and (high is None or number <= high):
        return None
    if low is not None and high is not None:
        return gettext(
            "Enter a number between %(min)s and %(max)s.",
            min=_number_text(low),
            max=_number_text(high),
        )
    if low is not None:
        return gettext("Enter a number of at least %(min)s.", min=_number_text(low))
    return gettext("Enter a number of at most %(max)s.", max=_number_text(high))


def _clean_one(question: Question, text: str, locale: str) -> tuple[Any, str | None]:
    """The typed value of one non-empty, stripped answer, or an error message."""
    qtype = question.type
    if qtype in TEXT_TYPES:
        if _FORBIDDEN_CHARS.search(text):
            return None, gettext("This answer contains characters that are not allowed.")
        limit = question.max_length or DEFAULT_MAX_LENGTH[qtype]
        if len(text) > limit:
            return None, _too_long(limit, len(text))
        return text, None
    if qtype is QType.PHONE:
        if not _PHONE.fullmatch(text):
            return None, gettext("Enter the phone number in digits only, e.g. 0905123456.")
        limit = question.max_length or DEFAULT_MAX_LENGTH[qtype]
        if len(text) > limit:
            return None, _too_long(limit, len(text))
        return text, None
    if qtype in (QType.INTEGER, QType.DECIMAL, QType.INDICATOR):
        number, error = _parse_number(text, question)
        if error is None and number is not None:
            error = _range_error(question, number)
        return (None, error) if error else (number, None)
    if qtype is QType.DATE:
        if not _DATE.fullmatch(text):
            return None, gettext("Enter a date as YYYY-MM-DD, e.g. 2017-06-30.")
        try:
            return date.fromisoformat(text), None
        except ValueError:
            return None, gettext("This date does not exist.")
    if qtype in CHOICE_TYPES:
        if text in question.choice_values:
            return text, None
        return None, gettext("Choose one of the listed answers.")
    return None, None  # notes and repeats have no fields; _classify never gets here


def _clean(question: Question, raw: list[str], locale: str) -> tuple[Any, str | None]:
    """The typed value of a field (None when unanswered), or an error message."""
    if question.type is QType.MULTIPLE_CHOICE:
        # Several values, one space-separated string, or both: all the same to us.
        tokens = [token for value in raw for token in value.split()]
        allowed = question.choice_values
        if any(token not in allowed for token in tokens):
            return None, gettext("Choose only from the listed answers.")
        chosen = set(tokens)
        return [c.value for c in question.choices if c.value in chosen] or None, None
    # Browsers send CRLF for new lines but count them as one character in maxlength.
    texts = {value.replace("\r\n", "\n").replace("\r", "\n").strip() for value in raw}
    texts.discard("")
    if len(texts) > 1:
        if question.type in CHOICE_TYPES:
            return None, gettext("Choose only one answer.")
        return None, gettext("Enter only one answer.")
    if not texts:
        return None, None
    return _clean_one(question, texts.pop(), locale)


# --------------------------------------------------------------------------
# Expressions and relevance
# --------------------------------------------------------------------------


def _expression_value(value: Any) -> Any:
    """A clean value as expressions read it: float, 'YYYY-MM-DD', list[str] or str."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, date):
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    if isinstance(value, int | float):
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    if isinstance(value, list | tuple | set | frozenset):
        return [_as_text(item) for item in value]
    return _as_text(value)


def _holds(
    expr: Expr | None,
    answers: Mapping[str, Any],
    today: date | None,
    current: Any = None,
) -> bool:
    """An expression's truth; a missing expression holds.

    A broken tree is the definition's fault, not the person's: it counts as true (show the
    question, accept the answer) and is logged, so that no form content can make us fail.
    """
    if expr is None:
        return True
    try:
        return to_bool(evaluate(expr.tree, answers, current=current, today=today))
    except Exception:
        log.exception("cannot evaluate expression %r", expr.text)
        return True


K = TypeVar("K", bound=Hashable)


def _topological(nodes: list[K], deps: Mapping[K, Iterable[K]]) -> list[K]:
    """Nodes with each one's dependencies before it, otherwise in the given order.

    Iterative depth-first search, so long chains cannot exhaust the stack.  The loader rules
    out cycles; one that slips through is broken rather than raised.
    """
    known = set(nodes)
    order: list[K] = []
    done: set[K] = set()
    for root in nodes:
        if root in done:
            continue
        on_path = {root}
        stack = [(root, iter(deps.get(root, ())))]
        while stack:
            node, pending = stack[-1]
            following = next(pending, None)
            if following is None:
                stack.pop()
                on_path.discard(node)
                done.add(node)
                order.append(node)
            elif following in known and following not in done and following not in on_path:
                on_path.add(following)
                stack.append((following, iter(deps.get(following, ()))))
    return order


def _refs(expr: Expr | None) -> set[str]:
    return references(expr.tree) if expr is not None else set()


@dataclass
class _Relevance:
    """The outcome of skip logic, and the answers expressions see."""

    relevant: dict[str, bool]
    answers: dict[str, Any]  # top-level field name -> expression value (relevant only)
    rows: dict[tuple[str, int], Mapping[str, Any]]  # (repeat, row) -> the row's answers


def _resolve(
    schema: _Schema,
    present: Mapping[str, Any],
    rows: Mapping[str, Iterable[int]],
    today: date | None,
) -> _Relevance:
    """Relevance of every section, question and field, evaluated in dependency order.

    A question is relevant when its section's and its own ``relevant`` hold (and, inside a
    repeat, the repeat's).  Each expression sees only the answers of questions already
    found relevant; topological order guarantees that every question an expression reads
    has been decided before it, so a question hidden because of a hidden question is hidden
    too.  ``present`` holds clean, answered values by field name.
    """
    relevant: dict[str, bool] = {}
    answers: dict[str, Any] = {}
    for unit in schema.order:
        section = schema.sections.get(unit)
        if section is not None:
            relevant[unit] = _holds(section.relevant, answers, today)
            continue
        question = schema.questions[unit]
        shown = relevant.get(schema.section_of[unit], True) and _holds(
            question.relevant, answers, today
        )
        relevant[unit] = shown
        for slot in schema.by_question[question.key]:
            relevant[slot.name] = shown
            if shown and present.get(slot.name) is not None:
                answers[slot.name] = _expression_value(present[slot.name])

    row_answers: dict[tuple[str, int], Mapping[str, Any]] = {}
    for key, repeat in schema.repeats.items():
        children = {child.key: child for child in repeat.questions}
        local_slots = schema.children[key]
        order = schema.child_orders[key]
        for row in sorted(set(rows.get(key, ()))):
            # Siblings shadow outer names; a hidden or empty sibling reads as empty.
            local: dict[str, Any] = dict.fromkeys(local_slots)
            scope = ChainMap(local, answers)
            for child_key in order:
                child = children[child_key]
                shown = relevant.get(key, False) and _holds(child.relevant, scope, today)
                relevant[_field_name(key, row, child_key)] = shown
                for slot in schema.by_question[child.key]:
                    name = _field_name(key, row, slot.name)
                    relevant[name] = shown
                    if shown and present.get(name) is not None:
                        local[slot.name] = _expression_value(present[name])
            row_answers[(key, row)] = scope
    return _Relevance(relevant, answers, row_answers)


def _typed(question: Question, value: Any, locale: str) -> Any:
    """A clean value as it is; typed text (a string or strings) cleaned, None if invalid."""
    if isinstance(value, str):
        value = [value]
    elif not (isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)):
        return value  # a number or a date: already clean
    if any(len(text) > MAX_VALUE_LENGTH for text in value):
        return None
    clean, error = _clean(question, list(value), locale)
    return None if error else clean


def relevance(
    definition: Definition,
    values: Mapping[str, Any],
    *,
    today: date | None = None,
    rows: Mapping[str, Iterable[int]] | None = None,
) -> dict[str, bool]:
    """Whether each section, question and field is relevant (shown) given these answers.

    ``values`` are answers by field name: clean values as in ``ValidationResult.values``, or
    what was typed (a string or a list of strings, as in a form), which is cleaned here
    exactly as :func:`validate` cleans it, an invalid answer counting as empty.  So
    ``relevance(d, form)`` agrees with ``validate(d, form).relevant``.  Answers of hidden
    questions may be included: they count as empty.

    The result has every section key, every top-level question key (notes, matrices and
    repeats included), every field name, and for each repeat row ``rep.N.child`` for every
    child question and field.  Repeat rows are those with an entry in ``values`` (even an
    empty one, as a submitted row), plus any given in ``rows``.
    """
    schema = _Schema.of(definition)
    locale = _locale()
    present: dict[str, Any] = {}
    found: dict[str, set[int]] = {key: set((rows or {}).get(key, ())) for key in schema.repeats}
    getlist = getattr(values, "getlist", None)
    for name, value in values.items():
        if callable(getlist):  # a MultiDict: .items() would give the first value only
            value = getlist(name)
        target = _classify(schema, _as_text(name))
        if isinstance(target, _Target):
            present[_as_text(name)] = _typed(target.slot.question, value, locale)
            if target.repeat is not None and target.row is not None:
                found[target.repeat].add(target.row)
    kept = {
        key: {row for row in found[key] if 0 <= row < schema.repeats[key].max_rows} for key in found
    }
    return _resolve(schema, present, kept, today).relevant


def expression_answers(
    values: Mapping[str, Any],
    repeat_context: tuple[str, int] | None,
    definition: Definition,
) -> dict[str, Any]:
    """The answers mapping an expression sees, built from clean values by field name.

    Top-level fields appear under their field names; with ``repeat_context=(rep, N)`` the
    children of that row appear under their own keys (shadowing nothing else, since keys are
    unique).  Relevance is not applied: pass the values of relevant questions only, as
    ``ValidationResult.values`` holds.
    """
    schema = _Schema.of(definition)
    answers = {
        name: _expression_value(value) for name, value in values.items() if name in schema.slots
    }
    if repeat_context is not None:
        repeat, row = repeat_context
        for local in schema.children.get(repeat, {}):
            answers[local] = _expression_value(values.get(_field_name(repeat, row, local)))
    return answers


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------


def _required_message(slot: _Slot) -> str:
    if slot.question.type is QType.MULTIPLE_CHOICE:
        return gettext("Choose at least one answer.")
    if slot.question.type is QType.MATRIX:
        return gettext("Choose an answer for this row.")
    return gettext("This question is required.")


def _unknown_message(names: list[str]) -> str:
    shown = [name if len(name) <= _NAME_SHOWN else name[: _NAME_SHOWN - 1] + "…" for name in names]
    listed = ", ".join(shown[:_UNKNOWN_SHOWN]) + (", …" if len(shown) > _UNKNOWN_SHOWN else "")
    return gettext("The form contains unknown fields: %(names)s.", names=listed)


def _repeat_problems(repeat: Question, rows: set[int]) -> list[str]:
    """Row-count and numbering problems of a relevant repeat (rows are the indexes sent)."""
    problems: list[str] = []
    inside = sorted(row for row in rows if row < repeat.max_rows)
    if inside != list(range(len(inside))):
        problems.append(
            gettext(
                "Some rows of this group are missing or numbered wrongly; "
                "check the rows and send the form again."
            )
        )
    if len(inside) < len(rows):
        problems.append(
            ngettext("Add at most %(num)d row.", "Add at most %(num)d rows.", repeat.max_rows)
        )
    elif len(rows) < repeat.min_rows:
        problems.append(
            ngettext("Add at least %(num)d row.", "Add at least %(num)d rows.", repeat.min_rows)
        )
    return problems


def validate(
    definition: Definition, form: Mapping | None, *, today: date | None = None
) -> ValidationResult:
    """Check a submitted form against its definition; never raises on any form content.

    ``form`` is a werkzeug ``MultiDict`` (read with ``getlist``) or a plain mapping of name
    to a string or a list of strings.  ``today`` fixes ``today()`` in expressions.
    """
    result = ValidationResult(values={}, answers=[], errors={}, raw={})
    items, too_many = _read_form(form)
    if too_many:
        result.errors[FORM_ERROR] = gettext(
            "The form has too many fields (more than %(max)s).", max=format_number(MAX_FIELDS)
        )
        return result

    schema = _Schema.of(definition)
    locale = _locale()
    unknown: list[str] = []
    too_long = False
    present: dict[str, Any] = {}
    problems: dict[str, str] = {}  # cleaning errors, reported only for relevant fields
    rows: dict[str, set[int]] = {key: set() for key in schema.repeats}
    for name, raw in items:
        target = _classify(schema, name)
        if target is _CONTROL:
            continue
        if not isinstance(target, _Target):
            unknown.append(name)
            continue
        if target.repeat is not None and target.row is not None:
            rows[target.repeat].add(target.row)
        if any(len(value) > MAX_VALUE_LENGTH for value in raw):
            too_long = True
            result.raw[name] = [value[:MAX_VALUE_LENGTH] for value in raw]
            problems[name] = _too_long(MAX_VALUE_LENGTH, max(len(value) for value in raw))
            continue
        result.raw[name] = raw
        value, error = _clean(target.slot.question, raw, locale)
        if error is not None:
            problems[name] = error
        elif value is not None:
            present[name] = value

    form_problems: list[str] = []
    if unknown:
        form_problems.append(_unknown_message(unknown))
    if too_long:
        form_problems.append(
            gettext(
                "An answer is too long (more than %(max)s characters).",
                max=format_number(MAX_VALUE_LENGTH),
            )
        )
    if form_problems:
        result.errors[FORM_ERROR] = " ".join(form_problems)

    kept_rows = {
        key: {row for row in found if row < schema.repeats[key].max_rows}
        for key, found in rows.items()
    }
    resolved = _resolve(schema, present, kept_rows, today)
    result.relevant = resolved.relevant

    def check(slot: _Slot, name: str, scope: Mapping[str, Any], row: int | None) -> None:
        if not resolved.relevant.get(name, False):
            return  # hidden: dropped, never required, never validated
        if name in problems:
            result.errors[name] = problems[name]
            return
        value = present.get(name)
        if value is None:
            if slot.question.required:
                result.errors[name] = _required_message(slot)
            return
        question = slot.question
        if question.constraint is not None and not _holds(
            question.constraint, scope, today, current=_expression_value(value)
        ):
            message = question.constraint_message
            result.errors[name] = (
                message.get(locale) if message else gettext("This answer is not valid.")
            )
        result.values[name] = value
        kind = _KIND[question.type]
        for item in value if isinstance(value, list) else [value]:
            result.answers.append(AnswerValue(slot.store_key, row, slot.part, kind, item))

    for key, question in schema.questions.items():
        if question.type is not QType.REPEAT:
            for slot in schema.by_question[question.key]:
                check(slot, slot.name, resolved.answers, None)
            continue
        if not resolved.relevant.get(key, False):
            continue
        repeat_problems = _repeat_problems(question, rows[key])
        if repeat_problems:
            result.errors[key] = " ".join(repeat_problems)
        for row in sorted(kept_rows[key]):
            scope = resolved.rows[(key, row)]
            for child in question.questions:
                for slot in schema.by_question[child.key]:
                    check(slot, _field_name(key, row, slot.name), scope, row)
    return result


def indicator_change(baseline: Any, current: Any) -> tuple[float | None, float | None]:
    """(current − baseline, that change as a percentage of baseline); None when not computable.

    The change is computed, never typed (format contract).  The percentage needs a non-zero
    baseline; missing or non-numeric values give (None, None).
    """

    def number(value: Any) -> float | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        try:
            result = float(value)
        except OverflowError:
            return None
        return result if math.isfinite(result) else None

    start, end = number(baseline), number(current)
    if start is None or end is None:
        return None, None
    change = end - start
    if not math.isfinite(change):
        return None, None
    percent = change / start * 100 if start != 0 else None
    if percent is not None and not math.isfinite(percent):
        percent = None
    return change, percent
