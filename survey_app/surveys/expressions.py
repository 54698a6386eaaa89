"""A small, safe, XLSForm-compatible expression language.

Form authors write skip logic (``relevant``), validation (``constraint``) and
calculations in the XLSForm/ODK dialect of XPath 1.0::

    ${age} >= 18 and selected(${roles}, 'inspector')
    string-length(.) <= 200
    int((today() - ${dob}) div 365.25)

Text is parsed exactly once, here, into a compact JSON tree.  The tree is
evaluated by :func:`evaluate` on the server (authoritative) and by the twin
evaluator in ``static/js/expr.js`` in the browser (live skip logic).  Neither
side ever hands user text to ``eval``: the browser never parses at all, it
only walks trees produced by :func:`parse`.  ``tests/vectors/expressions.json``
pins both evaluators to the same answers.

Tree format (every node is a small dict, JSON-serialisable)::

    {"num": 1.5}  {"lit": "text"}  {"ref": "name"}  {"cur": true}
    {"op": "+", "args": [a, b, c]}   # left fold: (a + b) + c
    {"op": "neg", "args": [a]}       # unary minus
    {"fn": "selected", "args": [a, b]}

Binary operators are ``or and = != < <= > >= + - * div mod``; a left-leaning
chain of the same operator is flattened into one node so that long sums and
long ``or`` lists stay shallow.

Values are XPath values: ``bool``, ``float`` (always float, never int) or
``str``.  Answers come in as JSON values: a string, a number, ``None`` (empty)
or a list of strings for a multiple-choice answer, which reads as the
space-separated string (``['a', 'b']`` is ``'a b'``).  A missing answer is the
empty string.

Semantics follow XPath 1.0 without node-sets, because that is what XLSForm
authors rely on:

* ``=``/``!=``: if either side is a boolean, both become booleans; else if
  either side is a number, both become numbers; else strings are compared.
  ``NaN = x`` is false and ``NaN != x`` is true (IEEE), so an empty answer
  compared with a number is false for ``= < <= > >=`` but *true* for ``!=``
  (``${x} != 5`` holds while x is unanswered, as in ODK Collect).
* ``< <= > >=`` turn both sides into numbers; NaN makes them false.
* In operators (arithmetic, comparisons and unary minus) a string that is an
  ISO date ``YYYY-MM-DD`` counts as its day number since 1970-01-01, as ODK
  does for date values.  So ``${d} > today()`` compares dates and
  ``today() - ${dob}`` is an age in days.  ``number()``/:func:`to_number`
  stay plain XPath: a date string is NaN there.
* ``div`` by zero gives +/-Infinity or NaN; ``mod`` keeps the sign of the
  dividend (C ``fmod``, JavaScript ``%``); ``mod`` by zero is NaN.
* Numbers print without an exponent and without a trailing ``.0``, using the
  shortest digits that round-trip (Python ``repr`` and JavaScript
  ``toExponential()`` agree on those digits).
* ``round()`` takes a half up, toward +infinity, as ODK Collect (JavaRosa) does:
  ``round(2.5)`` is 3, ``round(-0.5)`` is 0, ``round(-12345.15, 1)`` is -12345.1.
* ``selected(x, '')`` is true when ``x`` is empty, as both ODK engines (JavaRosa and
  Enketo) answer: ``''`` is found when splitting ``x`` on single spaces leaves an empty
  piece.
"""

from __future__ import annotations

import argparse
import copy
import functools
import json
import math
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "ExpressionError",
    "evaluate",
    "find_cycle",
    "parse",
    "references",
    "regenerate_vector_trees",
    "to_bool",
    "to_json_value",
    "to_number",
    "to_string",
]

Value = bool | float | str
Tree = dict[str, Any]

MAX_LENGTH = 2000
"""Longest accepted expression text; keeps hostile input cheap to reject."""

MAX_DEPTH = 50
"""Deepest accepted tree (and bracket nesting): evaluation recurses per level."""

FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "selected": (2, 2),
    "count-selected": (1, 1),
    "not": (1, 1),
    "string-length": (1, 1),
    "if": (3, 3),
    "today": (0, 0),
    "coalesce": (2, 2),
    "concat": (0, None),
    "number": (1, 1),
    "int": (1, 1),
    "round": (1, 2),
    "string": (1, 1),
    "boolean": (1, 1),
    "true": (0, 0),
    "false": (0, 0),
}
"""Known functions and their (least, most) argument counts; ``None`` = any."""

# Lowest precedence first; unary minus binds tighter than all of them.
_LEVELS: tuple[frozenset[str], ...] = (
    frozenset({"or"}),
    frozenset({"and"}),
    frozenset({"=", "!="}),
    frozenset({"<", "<=", ">", ">="}),
    frozenset({"+", "-"}),
    frozenset({"*", "div", "mod"}),
)
_WORD_OPERATORS = frozenset({"or", "and", "div", "mod"})

# XML whitespace: the only characters XPath trims and splits on.  Spelled out
# because Python's and JavaScript's notions of Unicode whitespace differ.
_WS = " \t\r\n"
_WS_RUN = re.compile(r"[ \t\r\n]+")
_NUMBER_TEXT = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_DATE_TEXT = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")

_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}")
_NUMBER_LITERAL = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_SYMBOLS = ("!=", "<=", ">=", "=", "<", ">", "+", "-", "*", "(", ")", ",")

_MAX_SAFE_INTEGER = 2**53
_TOO_DEEP = f"expression is nested too deeply (more than {MAX_DEPTH} levels)"


class ExpressionError(ValueError):
    """An expression that cannot be parsed.

    ``message`` is a short English sentence without the position (so the UI
    layer can translate it); ``column`` is the 1-based column it refers to.
    ``str(error)`` combines both.
    """

    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"{message} (column {column})")
        self.message = message
        self.column = column


# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # num, str, ref, cur, name, sym, end
    text: str  # the source text, for messages
    value: Any
    column: int


def _is_digit(char: str) -> bool:
    return len(char) == 1 and "0" <= char <= "9"


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        column = i + 1
        if char in _WS:
            i += 1
            continue
        if char in "'\"":
            end = text.find(char, i + 1)
            if end < 0:
                raise ExpressionError("unterminated string", column)
            tokens.append(_Token("str", text[i : end + 1], text[i + 1 : end], column))
            i = end + 1
        elif char == "$":
            match = _REF.match(text, i)
            if not match:
                raise ExpressionError("bad reference: write ${name}", column)
            tokens.append(_Token("ref", match.group(), match.group(1), column))
            i = match.end()
        elif _is_digit(char) or (char == "." and _is_digit(text[i + 1 : i + 2])):
            match = _NUMBER_LITERAL.match(text, i)
            assert match is not None  # the first character guarantees a match
            value = float(match.group())
            if math.isinf(value):
                raise ExpressionError("number is too large", column)
            tokens.append(_Token("num", match.group(), value, column))
            i = match.end()
        elif char == ".":
            tokens.append(_Token("cur", ".", None, column))
            i += 1
        elif match := _NAME.match(text, i):
            tokens.append(_Token("name", match.group(), match.group(), column))
            i = match.end()
        elif text.startswith("==", i):
            raise ExpressionError("use = to compare, not ==", column)
        else:
            symbol = next((s for s in _SYMBOLS if text.startswith(s, i)), None)
            if symbol is None:
                raise ExpressionError(f"unexpected character '{char}'", column)
            tokens.append(_Token("sym", symbol, symbol, column))
            i += len(symbol)
    tokens.append(_Token("end", "", None, n + 1))
    return tokens


class _Parser:
    """Recursive descent over the XPath precedence levels.

    Every method returns ``(tree, depth)`` so that depth is checked as the
    tree grows, before anything could recurse on a hostile input.
    """

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.nesting = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.pos]

    def advance(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def fail(self, message: str, token: _Token | None = None) -> ExpressionError:
        return ExpressionError(message, (token or self.token).column)

    def unexpected(self, token: _Token | None = None) -> ExpressionError:
        token = token or self.token
        if token.kind == "end":
            return self.fail("unexpected end of expression", token)
        return self.fail(f"unexpected {_shown(token)}", token)

    def node(self, tree: Tree, depth: int, token: _Token) -> tuple[Tree, int]:
        if depth > MAX_DEPTH:
            raise self.fail(_TOO_DEEP, token)
        return tree, depth

    def parse(self) -> Tree:
        tree, _ = self.binary(0)
        if self.token.kind != "end":
            raise self.unexpected()
        return tree

    def expression(self, opener: _Token) -> tuple[Tree, int]:
        """A whole expression inside brackets (a group or a call's arguments)."""
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            raise self.fail(_TOO_DEEP, opener)
        try:
            return self.binary(0)
        finally:
            self.nesting -= 1

    def operator_at(self, level: int) -> str | None:
        token = self.token
        is_operator = token.kind == "sym" or (
            token.kind == "name" and token.value in _WORD_OPERATORS
        )
        return token.value if is_operator and token.value in _LEVELS[level] else None

    def binary(self, level: int) -> tuple[Tree, int]:
        if level == len(_LEVELS):
            return self.unary()
        left, depth = self.binary(level + 1)
        while (op := self.operator_at(level)) is not None:
            token = self.advance()
            right, right_depth = self.binary(level + 1)
            if left.get("op") == op:  # left fold: (a op b) op c == op(a, b, c)
                left["args"].append(right)
                depth = max(depth, right_depth + 1)
            else:
                left = {"op": op, "args": [left, right]}
                depth = max(depth, right_depth) + 1
            self.node(left, depth, token)
        return left, depth

    def unary(self) -> tuple[Tree, int]:
        minuses: list[_Token] = []
        while self.token.kind == "sym" and self.token.value == "-":
            minuses.append(self.advance())
        tree, depth = self.primary()
        for token in reversed(minuses):
            tree, depth = self.node({"op": "neg", "args": [tree]}, depth + 1, token)
        return tree, depth

    def primary(self) -> tuple[Tree, int]:
        token = self.advance()
        if token.kind == "num":
            value: float = token.value
            number = int(value) if value.is_integer() and abs(value) < _MAX_SAFE_INTEGER else value
            return {"num": number}, 1
        if token.kind == "str":
            return {"lit": token.value}, 1
        if token.kind == "ref":
            return {"ref": token.value}, 1
        if token.kind == "cur":
            return {"cur": True}, 1
        if token.kind == "sym" and token.value == "(":
            tree, depth = self.expression(token)
            self.expect_close()
            return tree, depth
        if token.kind == "name":
            return self.call(token)
        raise self.unexpected(token)

    def expect_close(self) -> None:
        if self.token.kind == "sym" and self.token.value == ")":
            self.advance()
            return
        if self.token.kind == "end":
            raise self.fail("missing ')'")
        raise self.fail(f"expected ')' but found {_shown(self.token)}")

    def call(self, name: _Token) -> tuple[Tree, int]:
        is_call = self.token.kind == "sym" and self.token.value == "("
        if name.value in _WORD_OPERATORS:
            raise self.unexpected(name)
        if not is_call:
            if name.value in FUNCTIONS:
                raise self.fail(f"missing '(' after '{name.value}'", self.token)
            raise self.fail(
                f"unknown name '{name.value}'; write ${{{name.value}}} for an answer", name
            )
        if name.value not in FUNCTIONS:
            raise self.fail(f"unknown function '{name.value}'", name)
        opener = self.advance()
        args: list[Tree] = []
        depth = 0
        if not (self.token.kind == "sym" and self.token.value == ")"):
            while True:
                arg, arg_depth = self.expression(opener)
                args.append(arg)
                depth = max(depth, arg_depth)
                if self.token.kind == "sym" and self.token.value == ",":
                    self.advance()
                    continue
                break
        self.expect_close()
        least, most = FUNCTIONS[name.value]
        if len(args) < least or (most is not None and len(args) > most):
            raise self.fail(f"{name.value}() {_arity_text(least, most)}, got {len(args)}", name)
        return self.node({"fn": name.value, "args": args}, depth + 1, name)


def _shown(token: _Token) -> str:
    """A token quoted for a message, shortened; a string token brings its own quotes."""
    text = token.text if len(token.text) <= 20 else token.text[:17] + "..."
    return text if token.kind == "str" else f"'{text}'"


def _arity_text(least: int, most: int | None) -> str:
    if most is None:
        return f"takes at least {least} argument{'s' if least != 1 else ''}"
    if least == most:
        return f"takes {least} argument{'s' if least != 1 else ''}"
    return f"takes {least} to {most} arguments"


@functools.lru_cache(maxsize=4096)
def _parse_cached(text: str) -> Tree:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"expression is too long (more than {MAX_LENGTH} characters)", MAX_LENGTH + 1
        )
    if not text.strip(_WS):
        raise ExpressionError("empty expression", 1)
    return _Parser(_tokenize(text)).parse()


def parse(text: str) -> Tree:
    """Parse expression text into a JSON-serialisable tree.

    Raises :class:`ExpressionError` with a short message and the 1-based
    column.  Parsing is cached on the text; each call returns a fresh deep
    copy, so callers may keep or mutate the result freely.
    """
    if not isinstance(text, str):
        raise TypeError(f"expression must be a string, not {type(text).__name__}")
    return copy.deepcopy(_parse_cached(text))


def references(tree: Tree) -> set[str]:
    """The question names that the tree reads through ``${name}``."""
    found: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if "ref" in node:
            found.add(node["ref"])
        stack.extend(node.get("args", ()))
    return found


def find_cycle(deps: Mapping[str, Iterable[str]]) -> list[str] | None:
    """Return one cycle in a name -> referenced-names graph, or ``None``.

    The cycle is given closed, e.g. ``['a', 'b', 'a']`` (``['a', 'a']`` for a
    question that refers to itself).  Names are visited in sorted order so the
    answer is stable; names without an entry in ``deps`` have no references.
    Iterative, because surveys can be long chains of calculations.
    """
    done: set[str] = set()
    for root in sorted(deps):
        if root in done:
            continue
        path = [root]
        on_path = {root}
        pending: list[Iterator[str]] = [iter(sorted(deps.get(root, ())))]
        while pending:
            name = next(pending[-1], None)
            if name is None:
                finished = path.pop()
                on_path.discard(finished)
                done.add(finished)
                pending.pop()
            elif name in on_path:
                return [*path[path.index(name) :], name]
            elif name not in done:
                path.append(name)
                on_path.add(name)
                pending.append(iter(sorted(deps.get(name, ()))))
    return None


# --------------------------------------------------------------------------
# Conversions (XPath string(), number(), boolean())
# --------------------------------------------------------------------------


def _value(raw: Any) -> Value:
    """An answer (JSON value) as an XPath value."""
    if raw is None:
        return ""
    if isinstance(raw, bool | str):
        return raw
    if isinstance(raw, int | float):
        try:
            return float(raw)
        except OverflowError:  # an int beyond float range
            return math.inf if raw > 0 else -math.inf
    if isinstance(raw, list | tuple):
        return " ".join(to_string(item) for item in raw)
    return ""


def to_string(value: Any) -> str:
    """XPath ``string()``: booleans are 'true'/'false', numbers plain decimals."""
    value = _value(value)
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return _format_number(value)


def to_number(value: Any) -> float:
    """XPath ``number()``: a trimmed plain decimal ('-1.5', '.5', '3.'), else NaN.

    No exponent, hex, 'Infinity' or leading '+'.  Booleans are 1 and 0.
    """
    value = _value(value)
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    text = value.strip(_WS)
    return float(text) if _NUMBER_TEXT.fullmatch(text) else math.nan


def to_bool(value: Any) -> bool:
    """XPath ``boolean()``: non-zero non-NaN numbers and non-empty strings."""
    value = _value(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value != 0 and not math.isnan(value)
    return value != ""


def to_json_value(value: Any) -> bool | int | float | str | None:
    """A result as plain JSON: integral numbers become ints, '' and NaN become None.

    Infinities have no JSON form; they come back as 'Infinity'/'-Infinity'.
    """
    value = _value(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value or None
    if math.isnan(value):
        return None
    if math.isinf(value):
        return _format_number(value)
    if value.is_integer() and abs(value) < _MAX_SAFE_INTEGER:
        return int(value)
    return value


def _shortest_digits(magnitude: float) -> tuple[str, int]:
    """Shortest round-trip digits of a positive finite float: value = int(digits) * 10**exp."""
    sign_digits_exponent = Decimal(repr(magnitude)).as_tuple()
    digits = "".join(map(str, sign_digits_exponent.digits))
    stripped = digits.rstrip("0")
    exponent = sign_digits_exponent.exponent
    assert isinstance(exponent, int)
    return stripped, exponent + len(digits) - len(stripped)


def _format_number(number: float) -> str:
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "0"
    digits, exponent = _shortest_digits(abs(number))
    if exponent >= 0:
        text = digits + "0" * exponent
    else:
        point = len(digits) + exponent
        text = f"{digits[:point]}.{digits[point:]}" if point > 0 else f"0.{'0' * -point}{digits}"
    return "-" + text if number < 0 else text


def _date_days(text: str) -> int | None:
    """Days since 1970-01-01 of an ISO date string, or None if it is not one."""
    match = _DATE_TEXT.fullmatch(text.strip(_WS))
    if not match:
        return None
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        return None
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    month_days = (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]
    if not 1 <= day <= month_days:
        return None
    # Howard Hinnant's days_from_civil; mirrored line by line in expr.js.
    year -= 1 if month <= 2 else 0
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def _operand_number(value: Value) -> float:
    """Number for operators: like number(), but an ISO date counts as its day number."""
    if isinstance(value, str):
        days = _date_days(value)
        if days is not None:
            return float(days)
    return to_number(value)


def _tokens(value: Value) -> list[str]:
    return [token for token in _WS_RUN.split(to_string(value)) if token]


# --------------------------------------------------------------------------
# Arithmetic with XPath (IEEE) results instead of Python exceptions
# --------------------------------------------------------------------------


def _divide(x: float, y: float) -> float:
    if y == 0:
        if x == 0 or math.isnan(x):
            return math.nan
        return math.copysign(math.inf, x) * math.copysign(1.0, y)
    return x / y


def _modulo(x: float, y: float) -> float:
    if y == 0 or math.isnan(y) or not math.isfinite(x):
        return math.nan
    return math.fmod(x, y)


def _truncate(x: float) -> float:
    if not math.isfinite(x):
        return x
    return math.copysign(float(math.trunc(x)), x)


def _round(x: float, places: float) -> float:
    """Round at 10**-places, on the shortest decimal digits; a half goes up (toward +inf).

    This is how ODK Collect (JavaRosa) rounds: it takes the printed digits (BigDecimal of
    Double.toString) and rounds half up for a positive number and half down (toward zero)
    for a negative one, so round(2.5) = 3, round(-0.5) = 0 and round(-12345.15, 1) =
    -12345.1. Working on the printed digits makes round(2.675, 2) = 2.68 and keeps both
    evaluators exactly in step. A zero result is +0, as JavaRosa's BigDecimal gives.
    """
    if math.isnan(places):
        return math.nan
    if not math.isfinite(x):
        return x
    if x == 0:
        return 0.0
    # Past 400 places either way the answer is x itself or zero.
    places = _truncate(max(-400.0, min(400.0, places)))
    digits, exponent = _shortest_digits(abs(x))
    drop = int(-places) - exponent
    if drop <= 0:
        return x
    if drop > len(digits):
        return 0.0
    kept = int(digits[: len(digits) - drop] or "0")
    first_dropped = digits[len(digits) - drop]
    # ``digits`` has no trailing zeros: a lone dropped 5 is exactly half.
    half = first_dropped == "5" and drop == 1
    if first_dropped > "5" or (first_dropped == "5" and (not half or x > 0)):
        kept += 1
    if kept == 0:
        return 0.0
    return math.copysign(float(f"{kept}e{exponent + drop}"), x)


def _equals(a: Value, b: Value) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return to_bool(a) == to_bool(b)
    if isinstance(a, float) or isinstance(b, float):
        return _operand_number(a) == _operand_number(b)
    return a == b


def _binary(op: str, a: Value, b: Value) -> Value:
    if op == "=":
        return _equals(a, b)
    if op == "!=":
        return not _equals(a, b)
    x, y = _operand_number(a), _operand_number(b)
    if op == "<":
        return x < y
    if op == "<=":
        return x <= y
    if op == ">":
        return x > y
    if op == ">=":
        return x >= y
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "div":
        return _divide(x, y)
    if op == "mod":
        return _modulo(x, y)
    raise ValueError(f"malformed expression tree: operator {op!r}")


# --------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Context:
    answers: Mapping[str, Any]
    current: Value
    today: str


def evaluate(
    tree: Tree,
    answers: Mapping[str, Any],
    current: Any = None,
    today: date | None = None,
) -> Value:
    """Evaluate a tree from :func:`parse` against the answers given so far.

    ``current`` is the value of ``.`` (the question being validated) and
    ``today`` is injectable so that results are reproducible.  Returns a
    bool, a float or a str; evaluation itself never fails on any answers.
    """
    day = today or date.today()
    context = _Context(answers, _value(current), f"{day.year:04d}-{day.month:02d}-{day.day:02d}")
    return _evaluate(tree, context)


def _evaluate(node: Tree, context: _Context) -> Value:
    if "num" in node:
        return float(node["num"])
    if "lit" in node:
        return node["lit"]
    if "ref" in node:
        return _value(context.answers.get(node["ref"]))
    if "cur" in node:
        return context.current
    if "op" in node:
        return _operator(node["op"], node["args"], context)
    if "fn" in node:
        return _function(node["fn"], node["args"], context)
    raise ValueError(f"malformed expression tree: {node!r}")


def _operator(op: str, args: list[Tree], context: _Context) -> Value:
    if op == "or":
        return any(to_bool(_evaluate(arg, context)) for arg in args)
    if op == "and":
        return all(to_bool(_evaluate(arg, context)) for arg in args)
    if op == "neg":
        return -_operand_number(_evaluate(args[0], context))
    result = _evaluate(args[0], context)
    for arg in args[1:]:
        result = _binary(op, result, _evaluate(arg, context))
    return result


def _function(name: str, args: list[Tree], context: _Context) -> Value:
    def arg(index: int) -> Value:
        return _evaluate(args[index], context)

    if name == "selected":
        answer, wanted = to_string(arg(0)), to_string(arg(1)).strip(_WS)
        if not wanted:
            # As both ODK engines answer: '' is "selected" in an empty answer (and wherever
            # splitting on single spaces leaves an empty piece).
            return "" in answer.split(" ")
        return wanted in _tokens(answer)
    if name == "count-selected":
        return float(len(_tokens(arg(0))))
    if name == "not":
        return not to_bool(arg(0))
    if name == "string-length":
        return float(len(to_string(arg(0))))
    if name == "if":
        return arg(1) if to_bool(arg(0)) else arg(2)
    if name == "today":
        return context.today
    if name == "coalesce":
        first = arg(0)
        return first if to_string(first) != "" else arg(1)
    if name == "concat":
        return "".join(to_string(arg(index)) for index in range(len(args)))
    if name == "number":
        return to_number(arg(0))
    if name == "int":
        return _truncate(to_number(arg(0)))
    if name == "round":
        return _round(to_number(arg(0)), to_number(arg(1)) if len(args) > 1 else 0.0)
    if name == "string":
        return to_string(arg(0))
    if name == "boolean":
        return to_bool(arg(0))
    if name == "true":
        return True
    if name == "false":
        return False
    raise ValueError(f"malformed expression tree: function {name!r}")


# --------------------------------------------------------------------------
# Shared test vectors
# --------------------------------------------------------------------------


def regenerate_vector_trees(path: str | Path) -> bool:
    """Refresh the stored ``tree`` of every valid vector; True if the file changed.

    The browser evaluator cannot parse, so the vector file carries the tree
    of each expression; run this after changing the parser or adding vectors.
    """
    path = Path(path)
    original = path.read_text(encoding="utf-8")
    document = json.loads(original)
    for vector in document["vectors"]:
        if vector.get("error"):
            vector.pop("tree", None)
        else:
            vector["tree"] = parse(vector["expr"])
    updated = dump_vectors(document)
    if updated != original:
        path.write_text(updated, encoding="utf-8")
    return updated != original


def dump_vectors(document: Mapping[str, Any]) -> str:
    """The vector file's canonical text: one vector per line, for readable diffs."""
    fields = [
        f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}"
        for key, value in document.items()
        if key != "vectors"
    ]
    vectors = ",\n".join(
        f"    {json.dumps(vector, ensure_ascii=False)}" for vector in document["vectors"]
    )
    fields.append(f'  "vectors": [\n{vectors}\n  ]')
    return "{\n" + ",\n".join(fields) + "\n}\n"


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regen", metavar="VECTORS_JSON", required=True)
    options = parser.parse_args(argv)
    changed = regenerate_vector_trees(options.regen)
    print(f"{options.regen}: {'updated' if changed else 'already up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(_main())
