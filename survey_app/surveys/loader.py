"""Load and check survey definitions: YAML text in, ``model.Definition`` out.

A definition file is written by union staff, not programmers, so the checker's job is
as much to explain as to refuse: every problem names the file, the line, the question
(or section, or choice list) and what is wrong, and all problems come out in one go so
that one run of ``survey-app surveys check`` is enough to fix a file.

Three passes, all collecting :class:`Problem` objects:

1. YAML, read with PyYAML's *safe* composer into nodes, so that every mapping, list and
   property name keeps its line.  Aliases are refused (no "billion laughs"), nesting
   and size are limited, and the nodes become plain JSON-like data plus a table of
   lines by path.
2. ``surveys/schema.json`` (JSON Schema 2020-12), applied with ``jsonschema``: shapes,
   required and unknown properties, key formats, allowed values.  Its English,
   technical messages are rewritten here into translated sentences.
3. Semantic checks while building the dataclasses: duplicate keys, properties that do
   not belong to a question's type, choice lists, number ranges, defaults, and the
   expressions (syntax, references, show-if cycles).

The builder never trusts the shape of the data (pass 2 may have found problems and we
carry on to report more), so it reads everything through type checks.  Whatever the
input, :func:`load_definition` raises :class:`DefinitionError` or returns a definition;
``tests/unit/test_loader_properties.py`` holds it to that.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from flask_babel import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from survey_app.surveys.expressions import ExpressionError, Tree, find_cycle, parse, references
from survey_app.surveys.model import (
    BASELINE,
    CONTENT_AREAS,
    NUMBER_KINDS,
    Audience,
    Choice,
    Definition,
    Expr,
    MatrixRow,
    QType,
    Question,
    Section,
    Text,
)

__all__ = [
    "MAX_NESTING",
    "MAX_SIZE",
    "SCHEMA_PATH",
    "DefinitionError",
    "Problem",
    "check_paths",
    "content_hash",
    "load_definition",
    "load_file",
]

MAX_SIZE = 1_000_000
"""Largest accepted definition, in bytes (files) or characters (text).  Real surveys
are a few dozen kilobytes; the limit keeps hostile input cheap to refuse."""

MAX_NESTING = 50
"""Deepest accepted YAML nesting.  A real survey nests about ten levels."""

MAX_SAFE_INTEGER = 2**53
"""Integers beyond this cannot be represented exactly by the browser's evaluator."""

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "surveys" / "schema.json"

# The same patterns are in schema.json (a unit test keeps them equal); the Python side
# needs them for values the schema cannot see as strings (a choice value written 1.5).
SURVEY_KEY_PATTERN = r"^[a-z][a-z0-9_]{1,62}$"
KEY_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
VALUE_PATTERN = r"^[A-Za-z0-9_.-]+$"
NON_BLANK_PATTERN = r"\S"

DEFAULT_MAX_LENGTH = {QType.TEXT: 500, QType.LONG_TEXT: 5000, QType.PHONE: 15}
DEFAULT_RATING = (1, 5)
MAX_RATING_SPAN = 10
DEFAULT_MAX_ROWS = 20

YES_NO_CHOICES = (
    Choice("yes", Text("Có", "Yes")),
    Choice("no", Text("Không", "No")),
)
BASELINE_LABEL = Text("Đầu kỳ", "Baseline")
CURRENT_LABEL = Text("Hiện nay", "Current")

NodePath = tuple[str | int, ...]

_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Surrogates cannot be stored as UTF-8 and NUL cannot be stored by PostgreSQL; both can
# only arrive through escapes in double-quoted YAML ("\ud800", "\0").
_BAD_CHARACTER = re.compile("[\x00\ud800-\udfff]")

_TAG = "tag:yaml.org,2002:"
_STR, _NULL, _BOOL, _INT, _FLOAT = (_TAG + t for t in ("str", "null", "bool", "int", "float"))
_AS_TEXT_TAGS = frozenset({_TAG + "timestamp", _TAG + "merge", _TAG + "value"})
_MAP, _SEQ = _TAG + "map", _TAG + "seq"

# Properties by question type.  Everything outside a type's set is refused, so that a
# misplaced property (rows on a text question) is reported rather than silently ignored.
_BASE = frozenset({"key", "type", "label", "hint", "relevant"})
_ANSWERED = _BASE | {"required", "constraint", "constraint_message", "default"}
_ALLOWED: dict[QType, frozenset[str]] = {
    QType.TEXT: _ANSWERED | {"max_length"},
    QType.LONG_TEXT: _ANSWERED | {"max_length"},
    # A phone number is someone's own: no default.
    QType.PHONE: _ANSWERED - {"default"} | {"max_length"},
    QType.INTEGER: _ANSWERED | {"min", "max"},
    QType.DECIMAL: _ANSWERED | {"min", "max"},
    QType.SINGLE_CHOICE: _ANSWERED | {"choices"},
    QType.MULTIPLE_CHOICE: _ANSWERED | {"choices"},
    QType.YES_NO: _ANSWERED,
    QType.RATING: _ANSWERED | {"choices", "min", "max", "min_label", "max_label"},
    # A matrix is several answers: a constraint or a default would be ambiguous.
    QType.MATRIX: _BASE | {"required", "choices", "rows"},
    QType.DATE: _ANSWERED,
    QType.NOTE: _BASE,
    # An indicator answers with two numbers, so one default cannot describe it.
    QType.INDICATOR: _BASE
    | {"required", "constraint", "constraint_message", "min", "max", "unit", "number_type"}
    | {"baseline_label", "current_label"},
    QType.REPEAT: _BASE | {"questions", "min_rows", "max_rows"},
}
_NEEDED: dict[QType, tuple[str, ...]] = {
    QType.SINGLE_CHOICE: ("choices",),
    QType.MULTIPLE_CHOICE: ("choices",),
    QType.MATRIX: ("choices", "rows"),
    QType.REPEAT: ("questions",),
}


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a definition file, located for the person fixing it."""

    file: str
    line: int | None
    key: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        key = f"[{self.key}] " if self.key else ""
        return f"{where}: {key}{self.message}"


class DefinitionError(Exception):
    """A definition that cannot be loaded; ``problems`` says everything that is wrong."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def load_definition(
    text: str, source: str = "<string>", *, expected_key: str | None = None
) -> Definition:
    """Parse and check definition text; return the definition or raise DefinitionError.

    ``source`` names the text in problems and is kept as ``Definition.source``;
    ``expected_key`` (the file name's stem) must then equal the survey's ``key``.
    """
    problems = _Problems(source)
    if len(text) > MAX_SIZE:
        problems.add(
            None,
            None,
            _("The file is too large (more than %(limit)d characters).", limit=MAX_SIZE),
        )
        raise problems.error()
    document = _read_yaml(text, problems)
    if document is None or (problems and not isinstance(document.data, dict)):
        raise problems.error()
    if document.data is None:
        problems.add(1, None, _("The file is empty."))
        raise problems.error()
    if not isinstance(document.data, dict):
        problems.add(
            1,
            None,
            _("The file must describe one survey: properties such as key, title and sections."),
        )
        raise problems.error()
    _SchemaCheck(document, problems).run()
    definition = _Builder(document, problems, source, expected_key).build()
    if definition is None and not problems:  # a gap in the checks; the tests look for it
        problems.add(None, None, _("The definition could not be loaded."))
    if definition is None or problems:
        raise problems.error()
    return definition


def load_file(path: Path) -> Definition:
    """Load a definition file; its survey key must be the file name without extension."""
    return load_definition(read_text_file(path), str(path), expected_key=path.stem)


def read_text_file(path: Path) -> str:
    """The text of a file people write (a survey, a campaign): UTF-8, at most MAX_SIZE bytes.

    Raises DefinitionError naming the file (and the line of a byte that is not UTF-8).
    """
    source = str(path)
    try:
        if path.stat().st_size > MAX_SIZE:
            message = _("The file is too large (more than %(limit)d bytes).", limit=MAX_SIZE)
            raise DefinitionError([Problem(source, None, None, message)])
        data = path.read_bytes()
    except OSError as error:
        message = _("Cannot read the file: %(error)s", error=error.strerror or str(error))
        raise DefinitionError([Problem(source, None, None, message)]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        message = _("The file is not UTF-8 text; save it with the UTF-8 encoding.")
        raise DefinitionError([Problem(source, line, None, message)]) from None
    return text


def check_paths(paths: Iterable[Path]) -> tuple[list[Definition], list[Problem]]:
    """Load every definition in the given files and directories; collect every problem.

    A directory contributes its ``*.yaml`` and ``*.yml`` files (sorted, not recursive,
    hidden files skipped).  Two files defining the same survey key is a problem too.
    """
    definitions: list[Definition] = []
    problems: list[Problem] = []
    defined_in: dict[str, str] = {}
    for path in paths:
        if path.is_dir():
            files = sorted(
                item
                for item in path.iterdir()
                if item.suffix in (".yaml", ".yml") and not item.name.startswith(".")
                if item.is_file()
            )
        elif path.exists():
            files = [path]
        else:
            problems.append(Problem(str(path), None, None, _("No such file or directory.")))
            continue
        for file in files:
            try:
                definition = load_file(file)
            except DefinitionError as error:
                problems.extend(error.problems)
                continue
            if definition.key in defined_in:
                message = _(
                    "Survey “%(key)s” is also defined in %(other)s.",
                    key=definition.key,
                    other=defined_in[definition.key],
                )
                problems.append(Problem(str(file), None, None, message))
                continue
            defined_in[definition.key] = str(file)
            definitions.append(definition)
    return definitions, problems


def content_hash(mapping: Any) -> str:
    """sha256 of the canonical JSON of parsed definition data.

    Key order, comments and YAML layout do not change it; any change of content does,
    and a changed hash is a new survey version once responses exist.
    """
    canonical = json.dumps(mapping, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------
# Problems
# --------------------------------------------------------------------------


class _Problems:
    """Collects problems for one file; deduplicated and sorted by line on the way out."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.items: dict[Problem, None] = {}  # a dict keeps the order of discovery

    def __bool__(self) -> bool:
        return bool(self.items)

    def add(self, line: int | None, key: str | None, message: str) -> None:
        self.items.setdefault(Problem(self.source, line, key, str(message)))

    def error(self) -> DefinitionError:
        return DefinitionError(sorted(self.items, key=lambda p: p.line or 0))


# --------------------------------------------------------------------------
# Pass 1: YAML with line numbers
# --------------------------------------------------------------------------


@dataclass
class _Document:
    """Definition data as plain JSON values, with where each part was written."""

    data: Any
    #: path -> 1-based line: of the property name for a mapping entry, of the item itself
    #: for a list item; the root is ().
    lines: dict[NodePath, int] = field(default_factory=dict)
    #: path -> source text of plain (unquoted) non-string scalars, so that a choice value
    #: written ``1.50`` or ``yes`` stays what the author typed instead of 1.5 or True.
    raw: dict[NodePath, str] = field(default_factory=dict)
    #: Values that pass 1 refused and replaced by None (a number too large, a bad tag):
    #: later passes keep quiet about them instead of repeating "has no value".
    refused: set[NodePath] = field(default_factory=set)

    def is_refused(self, path: NodePath) -> bool:
        return any(path[:end] in self.refused for end in range(len(path) + 1))

    def line(self, path: NodePath) -> int | None:
        """The line of the nearest written node at or above ``path``."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None

    def at(self, path: NodePath) -> Any:
        node = self.data
        for part in path:
            if isinstance(node, dict) and isinstance(part, str):
                node = node.get(part)
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
            else:
                return None
        return node

    def key_for(self, path: NodePath) -> str | None:
        """The key of the question, row, section or choice list that ``path`` is in."""
        for end in range(len(path), 0, -1):
            prefix = path[:end]
            if len(prefix) == 2 and prefix[0] == "choice_lists" and isinstance(prefix[1], str):
                return prefix[1]
            node = self.at(prefix)
            if isinstance(node, dict) and isinstance(node.get("key"), str):
                return node["key"]
        return None


class _Refused(yaml.MarkedYAMLError):
    """YAML that is valid but that a definition may not use (aliases, deep nesting)."""


class _SafeComposer(yaml.SafeLoader):
    """PyYAML's safe loader, composing nodes only, without aliases or deep nesting.

    Aliases are refused outright: definitions have no use for them and they are the
    way to make a small file expand into a huge document.  The composer recurses per
    level of nesting, so depth is limited before Python's own recursion limit is near.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise _Refused(problem=_("Aliases (*name) are not allowed."), problem_mark=mark)
        self.depth += 1
        try:
            if self.depth > MAX_NESTING:
                mark = self.peek_event().start_mark
                raise _Refused(
                    problem=_("Nested too deeply (more than %(n)d levels).", n=MAX_NESTING),
                    problem_mark=mark,
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _read_yaml(text: str, problems: _Problems) -> _Document | None:
    loader: _SafeComposer | None = None
    try:
        loader = _SafeComposer(text)  # the reader checks for bad characters right away
        node = loader.get_single_node()
    except _Refused as error:
        mark = error.problem_mark
        problems.add(mark.line + 1 if mark else None, None, str(error.problem))
        return None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        detail = ": ".join(part for part in (error.context, error.problem) if part) or str(error)
        if "flow" in (error.context or ""):
            # The usual cause: a label like {vi: Có không?, en: Yes or no?} where YAML
            # reads , ? : as punctuation of the { } mapping.
            message = _(
                "YAML syntax error: %(detail)s. Inside { } and [ ], put any text that "
                "contains , ? : # [ ] { } in double quotes.",
                detail=detail,
            )
        else:
            message = _("YAML syntax error: %(detail)s", detail=detail)
        problems.add(mark.line + 1 if mark else None, None, message)
        return None
    except yaml.reader.ReaderError as error:
        line = text[: error.position].count("\n") + 1
        problems.add(
            line,
            None,
            _(
                "The file contains a character that is not allowed (code %(code)s).",
                code=f"U+{error.character:04X}" if isinstance(error.character, int) else "?",
            ),
        )
        return None
    except yaml.YAMLError as error:
        problems.add(None, None, _("YAML syntax error: %(detail)s", detail=str(error)))
        return None
    finally:
        if loader is not None:
            loader.dispose()
    document = _Document(data=None)
    if node is not None:
        _Converter(document, problems).run(node)
    return document


class _Converter:
    """Turns composed YAML nodes into plain data, recording lines and raw scalar text."""

    _constructor = yaml.constructor.SafeConstructor()

    def __init__(self, document: _Document, problems: _Problems) -> None:
        self.document = document
        self.problems = problems
        self.pending: list[tuple[int, NodePath, str]] = []

    def run(self, node: yaml.Node) -> None:
        self.document.data = self.convert(node, (), node.start_mark.line + 1)
        # Only now is the data there to tell which question a problem belongs to.
        for line, path, message in self.pending:
            self.problems.add(line, self.document.key_for(path), message)

    def add(self, line: int, path: NodePath, message: str) -> None:
        self.pending.append((line, path, message))

    def refuse(self, line: int, path: NodePath, message: str) -> None:
        """Report a scalar that cannot be used; it becomes None and is not reported again."""
        self.add(line, path, message)
        self.document.refused.add(path)
        return None

    def convert(self, node: yaml.Node, path: NodePath, line: int) -> Any:
        self.document.lines.setdefault(path, line)
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            if node.tag != (_MAP if isinstance(node, yaml.MappingNode) else _SEQ):
                return self.refuse(line, path, _unsupported_tag(node.tag))  # !!set, !!omap
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, path)
            return [
                self.convert(item, (*path, index), item.start_mark.line + 1)
                for index, item in enumerate(node.value)
            ]
        return self.scalar(node, path, line)

    def mapping(self, node: yaml.MappingNode, path: NodePath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                self.add(line, path, _("A property name must be a plain word."))
                continue
            # The name as written: `yes:` or `1.1:` stay text (JSON keys are strings).
            name = key_node.value
            if node.flow_style and " " in name and _is_empty(value_node):
                # {vi: An toàn, vệ sinh lao động} reads as two properties, the second
                # "vệ sinh lao động" without a value: no property name has a space.
                self.add(
                    line,
                    (*path, name),
                    _(
                        "“%(text)s” looks like the end of a text cut at a comma: put the "
                        "whole text in double quotes.",
                        text=_shown(name),
                    ),
                )
                continue
            if name in first_line:
                self.add(
                    line,
                    (*path, name),
                    _(
                        "“%(name)s” is written twice (first on line %(line)d).",
                        name=_shown(name),
                        line=first_line[name],
                    ),
                )
                continue
            first_line[name] = line
            result[name] = self.convert(value_node, (*path, name), line)
        return result

    def scalar(self, node: yaml.ScalarNode, path: NodePath, line: int) -> Any:
        """A scalar as a JSON value, by its resolved tag; anything exotic is refused."""
        tag = node.tag
        if tag == _STR or tag in _AS_TEXT_TAGS:  # dates stay text: "2017-10-05"
            value: Any = node.value
        elif tag == _NULL:
            return None
        elif tag in (_BOOL, _INT, _FLOAT):
            try:
                if tag == _BOOL:
                    value = self._constructor.construct_yaml_bool(node)
                elif tag == _INT:
                    value = self._constructor.construct_yaml_int(node)
                else:
                    value = self._constructor.construct_yaml_float(node)
            except (ValueError, KeyError):  # `!!int abc`, or beyond int()'s digit limit
                message = _(
                    "“%(value)s” is not a valid %(tag)s.",
                    value=_shown(node.value),
                    tag=_short_tag(tag),
                )
                return self.refuse(line, path, message)
            if isinstance(value, int) and abs(value) > MAX_SAFE_INTEGER:
                message = _("The number %(value)s is too large.", value=_shown(node.value))
                return self.refuse(line, path, message)
            if isinstance(value, float) and not math.isfinite(value):
                return self.refuse(line, path, _("Numbers must be finite (not .inf or .nan)."))
            if node.style is None:
                self.document.raw[path] = node.value
        else:
            return self.refuse(line, path, _unsupported_tag(tag))
        if isinstance(value, str) and (bad := _BAD_CHARACTER.search(value)):
            message = _(
                "The file contains a character that is not allowed (code %(code)s).",
                code=f"U+{ord(bad.group()):04X}",
            )
            return self.refuse(line, path, message)
        return value


def _is_empty(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL and node.value == ""


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


def _unsupported_tag(tag: str) -> str:
    return _("The YAML tag %(tag)s is not supported here.", tag=_short_tag(tag)[:40])


# --------------------------------------------------------------------------
# Pass 2: JSON Schema
# --------------------------------------------------------------------------


@functools.cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


class _SchemaCheck:
    """Applies schema.json and rewrites its errors as located, translated problems."""

    def __init__(
        self,
        document: _Document,
        problems: _Problems,
        validator: Draft202012Validator | None = None,
    ) -> None:
        self.document = document
        self.problems = problems
        self.validator = validator  # another schema (campaign files); surveys/schema.json else

    def run(self) -> None:
        for error in (self.validator or _validator()).iter_errors(self.document.data):
            for path, message in self.describe(error):
                if self.document.is_refused(path):
                    continue
                line = self.document.line(path)
                self.problems.add(line, self.document.key_for(path), message)

    def describe(self, error: ValidationError) -> Iterator[tuple[NodePath, str]]:
        path: NodePath = tuple(error.absolute_path)
        name = _name(path)
        validator = error.validator
        if validator in ("anyOf", "oneOf"):
            # Alternatives (a Text is a string or a {vi, en} mapping): report what is
            # wrong inside the alternative of the right kind, else the kinds allowed.
            inner = [e for e in error.context or () if not _is_top_type_error(e, path)]
            if inner:
                for sub in inner:
                    yield from self.describe(sub)
                return
            kinds: set[str] = set()
            for sub in error.context or ():
                kinds.update(_as_set(sub.validator_value))
            yield path, _type_message(name, kinds, error.instance)
        elif validator == "type":
            yield path, _type_message(name, _as_set(error.validator_value), error.instance)
        elif validator == "required" and isinstance(error.instance, dict):
            for missing in error.validator_value:
                if missing not in error.instance:
                    yield path, _("Missing required property “%(name)s”.", name=missing)
        elif validator == "additionalProperties" and isinstance(error.instance, dict):
            known = sorted(error.schema.get("properties", {}))
            for extra in error.instance:
                if extra not in known:
                    yield (*path, extra), _unknown_property(extra, known)
        elif validator == "enum":
            allowed = ", ".join(dict.fromkeys(str(v) for v in error.validator_value))
            if path and path[-1] == "type":
                yield (
                    path,
                    _(
                        "Unknown question type “%(type)s”. Use one of: %(allowed)s.",
                        type=_shown(error.instance),
                        allowed=allowed,
                    ),
                )
            else:
                yield (
                    path,
                    _(
                        "“%(value)s” is not allowed for “%(name)s”. Use one of: %(allowed)s.",
                        value=_shown(error.instance),
                        name=name,
                        allowed=allowed,
                    ),
                )
        elif validator == "pattern":
            if "propertyNames" in error.absolute_schema_path:
                yield (*path, str(error.instance)), _bad_name(str(error.instance))
            else:
                yield path, _pattern_message(error.validator_value, error.instance, name)
        elif validator == "minItems":
            yield path, _("“%(name)s” must list at least one item.", name=name)
        elif validator == "minimum":
            limit = _number_text(error.validator_value)
            yield path, _("“%(name)s” must be at least %(limit)s.", name=name, limit=limit)
        elif validator == "maximum":
            limit = _number_text(error.validator_value)
            yield path, _("“%(name)s” must be at most %(limit)s.", name=name, limit=limit)
        else:
            yield path, _("“%(name)s” is not valid here.", name=name)


def _is_top_type_error(error: ValidationError, path: NodePath) -> bool:
    return error.validator == "type" and tuple(error.absolute_path) == path


def _as_set(value: Any) -> set[str]:
    return {value} if isinstance(value, str) else set(value)


def _name(path: NodePath) -> str:
    """How to call the node at ``path`` in a message: its property name, or `list #n`."""
    if not path:
        return _("the survey")
    last = path[-1]
    if isinstance(last, int):
        owner = next((part for part in reversed(path) if isinstance(part, str)), "")
        return f"{owner} #{last + 1}"
    return last


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def _number_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _type_message(name: str, kinds: set[str], instance: Any) -> str:
    if instance is None:
        return _("“%(name)s” has no value.", name=name)
    kinds = set(kinds)
    if "integer" in kinds and "number" in kinds:
        kinds.discard("integer")
    key = frozenset(kinds)
    if key == {"string"}:
        return _("“%(name)s” must be text.", name=name)
    if key == {"integer"}:
        return _("“%(name)s” must be a whole number.", name=name)
    if key == {"number"}:
        return _("“%(name)s” must be a number.", name=name)
    if key == {"boolean"}:
        return _("“%(name)s” must be true or false.", name=name)
    if key == {"array"}:
        return _("“%(name)s” must be a list (lines starting with “-”).", name=name)
    if key == {"object"}:
        return _("“%(name)s” must be a set of properties (name: value).", name=name)
    if key == {"string", "object"}:
        return _("“%(name)s” must be text, or “vi:” and “en:” texts.", name=name)
    if key == {"string", "array"}:
        return _("“%(name)s” must be the name of a choice list or a list of choices.", name=name)
    if key in ({"string", "number"}, {"string", "number", "boolean"}):
        return _("“%(name)s” must be text or a number.", name=name)
    if key == {"string", "number", "boolean", "array"}:
        return _("“%(name)s” must be one value or a list of values.", name=name)
    return _("“%(name)s” has the wrong kind of value.", name=name)


def _unknown_property(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.7)
    if close:
        return _(
            "Unknown property “%(name)s”. Did you mean “%(suggestion)s”?",
            name=_shown(name),
            suggestion=close[0],
        )
    return _("Unknown property “%(name)s”.", name=_shown(name))


def _bad_name(value: str) -> str:
    return _(
        "“%(value)s” is not a valid name: use lower-case letters (a-z), digits and _, "
        "starting with a letter, at most 63 characters.",
        value=_shown(value),
    )


def _pattern_message(pattern: str, value: Any, name: str) -> str:
    if pattern == NON_BLANK_PATTERN:
        return _("“%(name)s” must not be empty.", name=name)
    if pattern == SURVEY_KEY_PATTERN:
        return _(
            "“%(value)s” is not a valid survey key: use 2 to 63 lower-case letters (a-z), "
            "digits and _, starting with a letter.",
            value=_shown(value),
        )
    if pattern == VALUE_PATTERN:
        return _choice_value_message(value)
    return _bad_name(str(value))


def _choice_value_message(value: Any) -> str:
    return _(
        "Choice value “%(value)s” may contain only letters, digits, _, . and - "
        "(no spaces, no accents).",
        value=_shown(value),
    )


# --------------------------------------------------------------------------
# Pass 3: semantic checks while building the dataclasses
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Name:
    """What a key declared in the survey is, for resolving ``${...}`` references."""

    kind: str  # answer, indicator, row, matrix, note, repeat, section, unknown
    owner: str  # the question that answers it (a row's matrix), or the key itself
    path: NodePath
    repeat: str | None = None  # the repeat group it belongs to, if any


@dataclass(frozen=True)
class _Use:
    """An expression whose references are checked once every key is known."""

    tree: Tree
    path: NodePath
    owner: str | None  # the question or section carrying it
    repeat: str | None  # the repeat group its question is in (its scope)
    is_relevant: bool


class _Builder:
    """Checks the data for everything the schema cannot say, building the dataclasses.

    Methods return ``None`` for parts they cannot build; a problem has then been
    recorded (here or by the schema), and ``load_definition`` raises at the end.
    """

    def __init__(
        self,
        document: _Document,
        problems: _Problems,
        source: str,
        expected_key: str | None,
    ) -> None:
        self.document = document
        self.problems = problems
        self.source = source
        self.expected_key = expected_key
        self.names: dict[str, _Name] = {}
        self.uses: list[_Use] = []
        self.choice_lists: dict[str, tuple[Choice, ...]] = {}
        self.declared_lists: set[str] = set()
        #: node (question or section key) -> its container (section, or repeat group)
        self.containers: dict[str, str] = {}
        self.relevant_paths: dict[str, NodePath] = {}

    # -- helpers -----------------------------------------------------------

    def add(self, path: NodePath, message: str) -> None:
        if not self.document.is_refused(path):
            self.problems.add(self.document.line(path), self.document.key_for(path), message)

    def text(self, mapping: dict[str, Any], name: str) -> Text | None:
        """A Text from a plain string (Vietnamese) or a {vi, en} mapping."""
        value = mapping.get(name)
        if isinstance(value, str) and value.strip():
            return Text(vi=value.strip())
        if isinstance(value, dict):
            vi, en = value.get("vi"), value.get("en")
            if isinstance(vi, str) and vi.strip():
                english = en.strip() if isinstance(en, str) and en.strip() else None
                return Text(vi=vi.strip(), en=english)
        return None

    def number(self, mapping: dict[str, Any], name: str) -> int | float | None:
        value = mapping.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        return None

    def integer(self, mapping: dict[str, Any], name: str, default: int) -> int:
        value = self.number(mapping, name)
        if value is None:
            return default
        if isinstance(value, float):
            return int(value) if value.is_integer() else default
        return value

    def as_text(self, value: Any, path: NodePath) -> str | None:
        """A scalar as the author wrote it: strings as they are, numbers as typed."""
        if isinstance(value, str):
            return value
        if isinstance(value, bool | int | float):
            return self.document.raw.get(path, str(value))
        return None

    def key(self, data: dict[str, Any], path: NodePath, pattern: str = KEY_PATTERN) -> str | None:
        """The ``key`` of a mapping if it is well formed (else reported, as by the schema)."""
        key = data.get("key")
        if not isinstance(key, str):
            return None
        if _matches(pattern, key):
            return key
        self.add((*path, "key"), _pattern_message(pattern, key, "key"))
        return None

    def declare(self, key: str, name: _Name) -> bool:
        """Record a key for references; False (and a problem) if it is already taken."""
        existing = self.names.get(key)
        if existing is None:
            self.names[key] = name
            return True
        self.add(
            (*name.path, "key"),
            _(
                "The key “%(key)s” is already used (line %(line)d); keys must be unique "
                "across the survey's sections, questions and matrix rows.",
                key=key,
                line=self.document.line(existing.path) or 0,
            ),
        )
        return False

    # -- the survey --------------------------------------------------------

    def build(self) -> Definition | None:
        data: dict[str, Any] = self.document.data
        key = self.key(data, (), SURVEY_KEY_PATTERN)
        if key is not None and self.expected_key is not None and key != self.expected_key:
            self.add(
                ("key",),
                _(
                    "The survey key “%(key)s” must be the same as the file name “%(expected)s”.",
                    key=key,
                    expected=self.expected_key,
                ),
            )
        title = self.text(data, "title")
        description = self.text(data, "description")
        audience = _enum(Audience, data.get("audience"))
        layout = data.get("layout", "pages")
        self.build_choice_lists(data.get("choice_lists"))
        sections = self.build_sections(data.get("sections"))
        self.check_references()
        if (
            key is None
            or title is None
            or audience is None
            or layout not in ("pages", "single")
            or sections is None
            or self.problems
        ):
            return None
        return Definition(
            key=key,
            title=title,
            audience=audience,
            sections=sections,
            description=description,
            layout=layout,
            choice_lists=dict(self.choice_lists),
            content_hash=content_hash(data),
            source=self.source,
        )

    # -- choice lists ------------------------------------------------------

    def build_choice_lists(self, lists: Any) -> None:
        if not isinstance(lists, dict):
            return
        for name, items in lists.items():
            self.declared_lists.add(name)
            if not _matches(KEY_PATTERN, name):
                self.add(("choice_lists", name), _bad_name(name))
            choices = self.build_choices(items, ("choice_lists", name))
            if choices is not None:
                self.choice_lists[name] = choices

    def build_choices(self, items: Any, path: NodePath) -> tuple[Choice, ...] | None:
        if not isinstance(items, list) or not items:
            return None
        choices: list[Choice] = []
        seen: dict[str, int] = {}
        complete = True
        for index, item in enumerate(items):
            item_path = (*path, index)
            if not isinstance(item, dict):
                complete = False
                continue
            value = self.as_text(item.get("value"), (*item_path, "value"))
            label = self.text(item, "label")
            if value is None or label is None:
                complete = False
                continue
            if not _matches(VALUE_PATTERN, value):
                self.add((*item_path, "value"), _choice_value_message(value))
                complete = False
            elif value in seen:
                self.add(
                    (*item_path, "value"),
                    _(
                        "Choice value “%(value)s” appears twice in this list "
                        "(first on line %(line)d).",
                        value=value,
                        line=seen[value],
                    ),
                )
                complete = False
            seen.setdefault(value, self.document.line(item_path) or 0)
            choices.append(Choice(value=value, label=label))
        return tuple(choices) if complete else None

    # -- sections ----------------------------------------------------------

    def build_sections(self, items: Any) -> tuple[Section, ...] | None:
        if not isinstance(items, list) or not items:
            return None
        sections = [
            self.build_section(item, ("sections", index)) for index, item in enumerate(items)
        ]
        if any(section is None for section in sections):
            return None
        return tuple(section for section in sections if section is not None)

    def build_section(self, data: Any, path: NodePath) -> Section | None:
        if not isinstance(data, dict):
            return None
        key = self.key(data, path)
        declared = key is not None and self.declare(key, _Name("section", key, path))
        title = self.text(data, "title")
        description = self.text(data, "description")
        area = self.build_area(data, path)
        owner = key if declared else None  # a duplicate key takes no part in cycles
        relevant = self.expression(data, path, "relevant", owner=owner, repeat=None)
        questions = self.build_questions(data.get("questions"), (*path, "questions"), key, None)
        if key is None or title is None or questions is None:
            return None
        return Section(
            key=key,
            title=title,
            area=area,
            relevant=relevant,
            description=description,
            questions=questions,
            line=self.document.line(path),
        )

    def build_area(self, data: dict[str, Any], path: NodePath) -> str | None:
        value = data.get("area")
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            return None
        text = self.as_text(value, (*path, "area"))
        if text in CONTENT_AREAS:
            return text
        if not isinstance(value, str):  # a string was already refused by the schema
            self.add(
                (*path, "area"),
                _(
                    "“%(value)s” is not allowed for “%(name)s”. Use one of: %(allowed)s.",
                    value=text,
                    name="area",
                    allowed=", ".join(CONTENT_AREAS),
                ),
            )
        return None

    # -- questions ---------------------------------------------------------

    def build_questions(
        self, items: Any, path: NodePath, container: str | None, repeat: str | None
    ) -> tuple[Question, ...] | None:
        if not isinstance(items, list) or not items:
            return None
        questions = [
            self.build_question(item, (*path, index), container, repeat)
            for index, item in enumerate(items)
        ]
        if any(question is None for question in questions):
            return None
        return tuple(question for question in questions if question is not None)

    def build_question(
        self, data: Any, path: NodePath, container: str | None, repeat: str | None
    ) -> Question | None:
        if not isinstance(data, dict):
            return None
        key = self.key(data, path)
        qtype = _enum(QType, data.get("type"))
        # A question shows only when its section (or repeat group) does: for show-if
        # cycles it depends on its container.  Not for a duplicate key (already reported).
        declared = key is not None and self.declare(key, _Name(_kind(qtype), key, path, repeat))
        owner = key if declared else None  # a duplicate key takes no part in cycles
        if owner is not None and container is not None:
            self.containers[owner] = container
        if qtype is not None:
            self.check_properties(data, path, qtype, nested=repeat is not None)
        label = self.text(data, "label")
        relevant = self.expression(data, path, "relevant", owner=owner, repeat=repeat)
        constraint = self.expression(data, path, "constraint", owner=owner, repeat=repeat)
        if "constraint_message" in data and "constraint" not in data:
            self.add(
                (*path, "constraint_message"),
                _("“constraint_message” is only used together with a “constraint”."),
            )
        if key is None or qtype is None or label is None:
            # Still look inside a repeat group, to report its problems too, and declare a
            # matrix's rows so that references to them are not reported as unknown.
            if isinstance(data.get("questions"), list):
                self.build_questions(data["questions"], (*path, "questions"), key, key)
            if owner is not None and qtype in (None, QType.MATRIX):
                kind = "row" if qtype is QType.MATRIX else "unknown"
                self.build_rows(data.get("rows"), (*path, "rows"), owner, repeat, kind)
            return None
        allowed = _ALLOWED[qtype]
        fields: dict[str, Any] = {
            "key": key,
            "type": qtype,
            "label": label,
            "hint": self.text(data, "hint"),
            "required": data.get("required") is True and "required" in allowed,
            "relevant": relevant,
            "constraint": constraint if "constraint" in allowed else None,
            "constraint_message": (
                self.text(data, "constraint_message") if "constraint_message" in allowed else None
            ),
            "line": self.document.line(path),
        }
        built = self.build_type_fields(data, path, qtype, key, repeat)
        if built is None:
            return None
        fields.update(built)
        if "default" in data and "default" in allowed:
            default = self.build_default(data, path, qtype, fields)
            if default is None:
                return None
            fields["default"] = default
        return Question(**fields)

    def check_properties(
        self, data: dict[str, Any], path: NodePath, qtype: QType, *, nested: bool
    ) -> None:
        """Refuse properties that exist but do not belong to this type; require the rest."""
        allowed = _ALLOWED[qtype]
        known = _question_properties()
        for name in data:
            if name not in known or name in allowed:
                continue
            if qtype is QType.REPEAT and name == "required":
                message = _("A repeat group cannot be required; use “min_rows” instead.")
            elif qtype is QType.YES_NO and name == "choices":
                message = _(
                    "A yes_no question gets its choices (yes: Có, no: Không) automatically; "
                    "remove “choices”."
                )
            else:
                message = _(
                    "“%(name)s” cannot be used on a question of type “%(type)s”.",
                    name=name,
                    type=qtype.value,
                )
            self.add((*path, name), message)
        for name in _NEEDED.get(qtype, ()):
            if name not in data:
                self.add(
                    path,
                    _(
                        "A question of type “%(type)s” needs “%(name)s”.",
                        type=qtype.value,
                        name=name,
                    ),
                )
        if nested and qtype is QType.REPEAT:
            self.add((*path, "type"), _("A repeat group cannot contain another repeat group."))

    def build_type_fields(
        self, data: dict[str, Any], path: NodePath, qtype: QType, key: str, repeat: str | None
    ) -> dict[str, Any] | None:
        """The fields that depend on the type; None when something is wrong."""
        fields: dict[str, Any] = {}
        ok = True
        if qtype is QType.INDICATOR:
            # Counts say `number_type: integer`; without it an indicator takes decimals, as
            # it did before the key existed (issue 9).
            number_type = data.get("number_type")
            fields["number_type"] = number_type if number_type in NUMBER_KINDS else "decimal"
        if qtype in (QType.INTEGER, QType.DECIMAL, QType.INDICATOR):
            whole = qtype is QType.INTEGER or fields.get("number_type") == "integer"
            bounds = self.build_bounds(data, path, whole=whole)
            if bounds is None:
                return None
            fields["min"], fields["max"] = bounds
        if qtype in DEFAULT_MAX_LENGTH:
            fields["max_length"] = self.integer(data, "max_length", DEFAULT_MAX_LENGTH[qtype])
        if qtype is QType.YES_NO:
            fields["choices"] = YES_NO_CHOICES
        if qtype in (QType.SINGLE_CHOICE, QType.MULTIPLE_CHOICE, QType.MATRIX):
            resolved = self.resolve_choices(data, path)
            if resolved is None:
                ok = False
            else:
                fields["choices"], fields["choice_list"] = resolved
        if qtype is QType.RATING:
            rating = self.build_rating(data, path)
            if rating is None:
                return None
            fields.update(rating)
        if qtype is QType.MATRIX:
            rows = self.build_rows(data.get("rows"), (*path, "rows"), key, repeat, "row")
            if rows is None:
                ok = False
            else:
                fields["rows"] = rows
        if qtype is QType.INDICATOR:
            fields["unit"] = self.text(data, "unit")
            fields["baseline_label"] = self.text(data, "baseline_label") or BASELINE_LABEL
            fields["current_label"] = self.text(data, "current_label") or CURRENT_LABEL
        if qtype is QType.REPEAT:
            group = self.build_repeat(data, path, key)
            if group is None:
                ok = False
            else:
                fields.update(group)
        return fields if ok else None

    def build_bounds(
        self, data: dict[str, Any], path: NodePath, *, whole: bool
    ) -> tuple[int | float | None, int | float | None] | None:
        low, high = self.number(data, "min"), self.number(data, "max")
        ok = True
        bounds: list[int | float | None] = []
        for name, value in (("min", low), ("max", high)):
            if whole and isinstance(value, float):
                if value.is_integer():
                    value = int(value)
                else:
                    self.add(
                        (*path, name),
                        _(
                            "“%(name)s” must be a whole number for this type of question.",
                            name=name,
                        ),
                    )
                    ok = False
            bounds.append(value)
        low, high = bounds
        if low is not None and high is not None and low > high:
            self.add(
                (*path, "max"),
                _(
                    "“min” (%(min)s) is larger than “max” (%(max)s).",
                    min=_number_text(low),
                    max=_number_text(high),
                ),
            )
            ok = False
        return (low, high) if ok else None

    def resolve_choices(
        self, data: dict[str, Any], path: NodePath
    ) -> tuple[tuple[Choice, ...], str | None] | None:
        """The question's choices and, when it named a shared list, that list's name."""
        value = data.get("choices")
        if isinstance(value, str):
            if value in self.choice_lists:
                return self.choice_lists[value], value
            if value in self.declared_lists:
                return None  # the list itself has problems, reported there
            if not _matches(KEY_PATTERN, value):
                self.add((*path, "choices"), _bad_name(value))
            else:
                close = difflib.get_close_matches(value, sorted(self.declared_lists), n=1)
                message = (
                    _(
                        "Unknown choice list “%(name)s”. Did you mean “%(suggestion)s”?",
                        name=value,
                        suggestion=close[0],
                    )
                    if close
                    else _(
                        "Unknown choice list “%(name)s”: add it under “choice_lists”.",
                        name=value,
                    )
                )
                self.add((*path, "choices"), message)
            return None
        choices = self.build_choices(value, (*path, "choices"))
        return None if choices is None else (choices, None)

    def build_rating(self, data: dict[str, Any], path: NodePath) -> dict[str, Any] | None:
        """A labelled scale from ``choices``, or numbers min..max made into choices."""
        fields: dict[str, Any] = {
            "min_label": self.text(data, "min_label"),
            "max_label": self.text(data, "max_label"),
        }
        if "choices" in data:
            for name in ("min", "max"):
                if name in data:
                    self.add(
                        (*path, name),
                        _("A rating uses either “choices” or “min”/“max”, not both."),
                    )
                    return None
            resolved = self.resolve_choices(data, path)
            if resolved is None:
                return None
            fields["choices"], fields["choice_list"] = resolved
            return fields
        bounds = self.build_bounds(data, path, whole=True)
        if bounds is None:
            return None
        low = DEFAULT_RATING[0] if bounds[0] is None else bounds[0]
        high = DEFAULT_RATING[1] if bounds[1] is None else bounds[1]
        if not isinstance(low, int) or not isinstance(high, int):
            return None  # not whole numbers: reported by build_bounds
        if not 1 <= high - low <= MAX_RATING_SPAN:
            self.add(
                (*path, "max" if "max" in data else "min"),
                _(
                    "A rating scale runs from “min” to “max” with 2 to %(points)d points; "
                    "here it is %(min)s to %(max)s.",
                    points=MAX_RATING_SPAN + 1,
                    min=low,
                    max=high,
                ),
            )
            return None
        fields["min"], fields["max"] = low, high
        fields["choices"] = tuple(
            Choice(value=str(n), label=Text(vi=str(n))) for n in range(low, high + 1)
        )
        return fields

    def build_rows(
        self, items: Any, path: NodePath, matrix: str, repeat: str | None, kind: str
    ) -> tuple[MatrixRow, ...] | None:
        if not isinstance(items, list) or not items:
            return None
        rows: list[MatrixRow] = []
        complete = True
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                complete = False
                continue
            key, label = self.key(item, (*path, index)), self.text(item, "label")
            if key is not None:
                self.declare(key, _Name(kind, matrix, (*path, index), repeat))
            if key is None or label is None:
                complete = False
                continue
            rows.append(MatrixRow(key=key, label=label))
        return tuple(rows) if complete else None

    def build_repeat(self, data: dict[str, Any], path: NodePath, key: str) -> dict[str, Any] | None:
        min_rows = self.integer(data, "min_rows", 0)
        max_rows = self.integer(data, "max_rows", DEFAULT_MAX_ROWS)
        ok = True
        if min_rows > max_rows:
            self.add(
                (*path, "min_rows"),
                _(
                    "“min_rows” (%(min)d) is larger than “max_rows” (%(max)d).",
                    min=min_rows,
                    max=max_rows,
                ),
            )
            ok = False
        questions = self.build_questions(data.get("questions"), (*path, "questions"), key, key)
        if questions is None or not ok:
            return None
        return {"questions": questions, "min_rows": min_rows, "max_rows": max_rows}

    # -- defaults ----------------------------------------------------------

    def build_default(
        self, data: dict[str, Any], path: NodePath, qtype: QType, fields: dict[str, Any]
    ) -> Any:
        """The default as a valid answer value (the type the validator would produce)."""
        value = data.get("default")
        where = (*path, "default")
        if value is None:
            return None  # `default:` without a value: the schema reported it
        if qtype in (QType.TEXT, QType.LONG_TEXT):
            text = self.as_text(value, where)
            if text is None or not text.strip():
                self.add(where, _("The default must be a (non-empty) text."))
                return None
            if len(text.strip()) > fields["max_length"]:
                self.add(
                    where,
                    _(
                        "The default is longer than “max_length” (%(max)d characters).",
                        max=fields["max_length"],
                    ),
                )
                return None
            return text.strip()
        if qtype in (QType.INTEGER, QType.DECIMAL):
            return self.number_default(value, where, qtype, fields)
        if qtype is QType.DATE:
            return self.date_default(value, where)
        choices: tuple[Choice, ...] = fields.get("choices", ())
        values = [choice.value for choice in choices]
        if qtype is QType.MULTIPLE_CHOICE:
            return self.multiple_default(value, where, values)
        if qtype is QType.YES_NO and isinstance(value, bool):
            return "yes" if value else "no"
        text = self.as_text(value, where)
        if text is None or text not in values:
            self.add(
                where,
                _(
                    "The default “%(value)s” is not one of the choices (%(allowed)s).",
                    value=_shown(value if text is None else text),
                    allowed=", ".join(values),
                ),
            )
            return None
        return text

    def number_default(
        self, value: Any, where: NodePath, qtype: QType, fields: dict[str, Any]
    ) -> int | float | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(where, _("The default must be a number."))
            return None
        if qtype is QType.INTEGER:
            if isinstance(value, float) and not value.is_integer():
                self.add(where, _("The default must be a whole number."))
                return None
            value = int(value)
        else:
            value = float(value)
        low, high = fields.get("min"), fields.get("max")
        if low is not None and value < low:
            self.add(
                where,
                _(
                    "The default %(value)s is less than “min” (%(min)s).",
                    value=_number_text(value),
                    min=_number_text(low),
                ),
            )
            return None
        if high is not None and value > high:
            self.add(
                where,
                _(
                    "The default %(value)s is greater than “max” (%(max)s).",
                    value=_number_text(value),
                    max=_number_text(high),
                ),
            )
            return None
        return value

    def date_default(self, value: Any, where: NodePath) -> date | None:
        if isinstance(value, str) and _DATE_RE.fullmatch(value.strip()):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.add(where, _("The default must be a date written YYYY-MM-DD, e.g. 2017-10-05."))
        return None

    def multiple_default(
        self, value: Any, where: NodePath, values: list[str]
    ) -> tuple[str, ...] | None:
        """A list, or one space-separated string, of values; kept in choice-list order."""
        if isinstance(value, str):
            picked = value.split()
        elif isinstance(value, list):
            picked = [self.as_text(item, (*where, index)) or "" for index, item in enumerate(value)]
        else:
            picked = [self.as_text(value, where) or ""]
        wrong = [item for item in picked if item not in values]
        if wrong or not picked:
            self.add(
                where,
                _(
                    "The default “%(value)s” is not one of the choices (%(allowed)s).",
                    value=_shown(" ".join(wrong)),
                    allowed=", ".join(values),
                ),
            )
            return None
        return tuple(item for item in values if item in picked)

    # -- expressions -------------------------------------------------------

    def expression(
        self,
        data: dict[str, Any],
        path: NodePath,
        name: str,
        *,
        owner: str | None,
        repeat: str | None,
    ) -> Expr | None:
        text = data.get(name)
        if not isinstance(text, str):
            return None
        where = (*path, name)
        try:
            tree = parse(text)
        except ExpressionError as error:
            self.add(
                where,
                _(
                    "Error in “%(name)s” at column %(column)d: %(error)s.",
                    name=name,
                    column=error.column,
                    error=error.message,
                ),
            )
            return None
        is_relevant = name == "relevant"
        if is_relevant and _uses_current(tree):
            self.add(
                where,
                _("“.” (this question's answer) can only be used in a “constraint”."),
            )
        if is_relevant and owner is not None:
            self.relevant_paths[owner] = where
        self.uses.append(_Use(tree, where, owner, repeat, is_relevant))
        return Expr(text=text, tree=tree)

    def check_references(self) -> None:
        """Every ${name} must be known and in scope; show-if conditions must not loop."""
        deps: dict[str, set[str]] = {node: {outer} for node, outer in self.containers.items()}
        written: set[tuple[str, str]] = set()  # edges from a `relevant`, not from containment
        for use in self.uses:
            for name in sorted(references(use.tree)):
                target, message = self.resolve(name, use.repeat)
                if message is not None:
                    self.add(use.path, message)
                elif target is not None and use.is_relevant and use.owner is not None:
                    if target == use.owner:
                        self.add(
                            use.path,
                            _(
                                "“relevant” cannot depend on this question's own answer "
                                "(${%(name)s}); use “.” in a “constraint” instead.",
                                name=name,
                            ),
                        )
                    else:
                        deps.setdefault(use.owner, set()).add(target)
                        written.add((use.owner, target))
        # Report every independent cycle, each breaking at the edge it is reported by.
        for _attempt in range(50):
            cycle = find_cycle(deps)
            if cycle is None:
                break
            # Start where a `relevant` was written (not at a question that merely sits in
            # a section), so the line shown is one the author can change.
            nodes = cycle[:-1]
            edges = [(node, cycle[index + 1]) for index, node in enumerate(nodes)]
            start = next((i for i, edge in enumerate(edges) if edge in written), 0)
            nodes = nodes[start:] + nodes[:start]
            declared = self.names.get(nodes[0])
            where = self.relevant_paths.get(nodes[0]) or (declared.path if declared else ())
            self.add(
                where,
                _(
                    "The show-if conditions (“relevant”) go round in a circle: %(cycle)s.",
                    cycle=" → ".join([*nodes, nodes[0]]),
                ),
            )
            deps.get(edges[start][0], set()).discard(edges[start][1])

    def resolve(self, name: str, repeat: str | None) -> tuple[str | None, str | None]:
        """(the question a reference reads, or an error message)."""
        base, dot, part = name.partition(".")
        entry = self.names.get(base)
        if entry is not None and entry.kind == "unknown":
            return None, None  # a question with a bad type: already reported
        if entry is None or (dot and not (entry.kind == "indicator" and part == BASELINE)):
            return None, _unknown_reference(name, self.names)
        if entry.kind == "section":
            return None, _("“%(name)s” is a section, not a question.", name=name)
        if entry.kind == "note":
            return None, _("“%(name)s” is a note and has no answer.", name=name)
        if entry.kind == "repeat":
            return None, _(
                "“%(name)s” is a repeat group; refer to a question inside it instead.",
                name=name,
            )
        if entry.kind == "matrix":
            return None, _("“%(name)s” is a matrix; refer to one of its rows instead.", name=name)
        if entry.repeat is not None and entry.repeat != repeat:
            return None, _(
                "“%(name)s” is inside the repeat group “%(group)s”; only questions of that "
                "group can refer to it.",
                name=name,
                group=entry.repeat,
            )
        return entry.owner, None


def _unknown_reference(name: str, names: dict[str, _Name]) -> str:
    close = difflib.get_close_matches(name, sorted(names), n=1)
    if close:
        return _(
            "Unknown question “%(name)s”. Did you mean “%(suggestion)s”?",
            name=name,
            suggestion=close[0],
        )
    return _("Unknown question “%(name)s”.", name=name)


def _uses_current(tree: Tree) -> bool:
    stack = [tree]
    while stack:
        node = stack.pop()
        if "cur" in node:
            return True
        stack.extend(node.get("args", ()))
    return False


def _matches(pattern: str, value: str) -> bool:
    """Whole-string match: in a JSON Schema pattern (re.search) `$` also matches before
    a final newline, so a key written as a block scalar ("q1\\n") would slip through."""
    return re.fullmatch(pattern, value) is not None


def _enum(kind: Any, value: Any) -> Any:
    if not isinstance(value, str):
        return None
    try:
        return kind(value)
    except ValueError:
        return None


def _kind(qtype: QType | None) -> str:
    """How a question's key can be referred to (see ``_Builder.resolve``)."""
    if qtype is None:
        return "unknown"
    return {
        QType.NOTE: "note",
        QType.REPEAT: "repeat",
        QType.MATRIX: "matrix",
        QType.INDICATOR: "indicator",
    }.get(qtype, "answer")


@functools.cache
def _question_properties() -> frozenset[str]:
    """Every property a question may have, as the schema lists them."""
    schema: dict[str, Any] = _validator().schema  # type: ignore[assignment]
    return frozenset(schema["$defs"]["question"]["properties"])
