"""XLSForm in and out: turn a common XLSForm into our survey YAML, and a definition into an
XLSForm workbook. Pure Python (openpyxl, PyYAML); no Flask app and no database needed.

Why: people in the field design forms in Excel (XLSForm, as used by ODK/KoBoToolbox); the app
keeps surveys as reviewed YAML files (``surveys/KEY.yaml``, see the format spec). Import
produces that YAML text and never writes anything, so the CLI can write the file only when
nothing is wrong; export lets a survey be opened in ODK tools or edited in Excel.

Import (:func:`import_xlsform`) reads the sheets ``survey``, ``choices`` and ``settings``
as pyxform (the reference XLSForm compiler) reads them, and refuses what it cannot carry:

- Headers: split on ``::``, or on a single ``:`` when no header of the sheet has ``::``
  (``label:English``); the first part in snake_case (``List Name``), then pyxform's aliases
  (``relevance``, ``caption``, ``calculate``, ``title``, ``media::image``,
  ``bind::calculate``...).
- types ``text``, ``integer``, ``decimal``, ``date``, ``note``, ``select_one LIST``,
  ``select_multiple LIST``, ``begin_group``/``end_group`` and ``begin_repeat``/``end_repeat``
  (also written with a space, and in pyxform's older spellings: ``select one from LIST``,
  ``select all that apply from LIST``, ``select1 LIST``, ``q int``, ``begin looped
  group``...). ``text`` with appearance ``multiline`` becomes ``long_text``. Metadata types
  that ODK fills in by itself (``start``, ``end``, ``today``, ``deviceid``...) are skipped
  with a warning; every other type is refused as not supported. A ``disabled`` row is left
  out, as pyxform leaves it out (warning).
- A value in a column that ODK acts on and this app cannot carry refuses the import, with
  its sheet and row: ``calculation``, ``choice_filter``, ``trigger``, ``parameters``, media
  (``image``, ``big-image``, ``audio``, ``video``, in the choices sheet too), ``read_only``
  other than no, ``save_to``, a ``repeat_count`` that is not a number of rows (a number
  becomes ``min_rows`` = ``max_rows``), a default that is a formula, an appearance with
  ``search()``, ``bind::``/``body::`` attributes in ODK's namespaces, a column that should
  have no language (``relevant::English``), ``public_key`` in settings and an ``entities``
  sheet. Columns that only change how a form looks, or that ODK itself ignores, are
  ignored with a warning (the list is in surveys/README.md).
- Top-level groups become sections (the group's hint is the section's description);
  consecutive questions outside any group form an automatic section titled like the form.
  A group inside a group is flattened into the enclosing section (its relevance is and-ed
  into its questions' relevance; warning). A repeat becomes our ``repeat`` question; a repeat
  inside a repeat is refused.
- Texts: ``label``, ``hint``, ``constraint_message`` (and ``form_title`` or ``title`` in
  settings: the survey's title; without one, the ``form_id``, as XLSForm says) with the
  language given as ``label::Tiếng Việt (vi)`` (the code in parentheses counts),
  ``label::vi`` or ``label:English``; a plain ``label`` column is the default language (settings
  ``default_language`` when it is Vietnamese or English, else Vietnamese). Our texts need
  Vietnamese: when a text has only English, the English is used as the Vietnamese (warning).
- A constraint made of ``. >= A``, ``. <= B`` (numbers) or ``string-length(.) <= N`` (text)
  joined by ``and`` becomes ``min``/``max``/``max_length``, so that exported surveys come back
  as they were; whatever else the constraint says stays a constraint.
- Custom columns read as well: ``area`` on a top-level group (a content area ``1.1``..``1.4``)
  and ``audience`` and ``form_title_en`` (the English title) in settings; without an
  audience the survey is for ``unit_report`` (with a warning).
- Every problem is collected with its sheet and row (row 1 is the header row, as XLSForm tools
  count) and raised together as :class:`XLSFormError`. When there are none, the YAML is checked
  by the survey loader and its problems are mapped back to the sheet row they came from.

Export (:func:`export_xlsform`) writes sections as groups (the description as the hint), long
texts as ``text`` with appearance ``multiline``, yes/no questions as ``select_one yes_no`` (a
``yes_no`` list is added), ratings as ``select_one`` over their scale (``KEY_scale`` when the
rating has no named list), inline choice lists as ``KEY_choices``, a matrix as a
``table-list`` group of one ``select_one`` per row, a repeat as a repeat group,
``min``/``max``/``max_length`` as constraint terms and ``required`` as ``yes``. Sections'
``area`` goes to a custom ``area`` column, the audience and the English title to custom
``audience`` and ``form_title_en`` settings (ODK tools ignore them).

Indicator mapping (export): indicator ``KEY`` becomes a ``field-list`` group named ``KEY``
holding two decimal questions, ``KEY_baseline`` (the baseline value) and ``KEY_current`` (the
current value); their labels are the indicator's baseline/current labels with the unit in
parentheses; ``required``, ``min``/``max`` and the constraint apply to both. In every exported
expression ``${KEY}`` is rewritten to ``${KEY_current}`` and ``${KEY.baseline}`` to
``${KEY_baseline}`` (should a name be taken, ``_2``, ``_3``... is added). Import does not turn
them back into an indicator: they come back as two decimal questions. Likewise a matrix comes
back as separate ``single_choice`` questions, a yes/no or rating question as a
``single_choice``; rating end labels, ``unit``, repeat row limits and the survey description
are not exported.

Numbers (issue 9): an indicator with ``number_type: integer`` exports two ``integer``
questions instead of decimals, and a ``phone`` question exports as ``text``.
"""

from __future__ import annotations

import copy
import io
import math
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from survey_app.surveys.expressions import ExpressionError, find_cycle, parse, references
from survey_app.surveys.loader import DefinitionError, Problem, load_definition
from survey_app.surveys.model import (
    BASELINE,
    CONTENT_AREAS,
    Audience,
    Choice,
    Definition,
    Expr,
    QType,
    Question,
    Section,
    Text,
)
from survey_app.surveys.sheets import safe_row

__all__ = [
    "ImportResult",
    "XLSFormError",
    "XLSFormProblem",
    "export_xlsform",
    "import_xlsform",
]

SURVEY, CHOICES, SETTINGS, ENTITIES = "survey", "choices", "settings", "entities"
VI_LANGUAGE = "Tiếng Việt (vi)"
EN_LANGUAGE = "English (en)"
DEFAULT_AUDIENCE = Audience.UNIT_REPORT
#: Custom settings column for the English title (ODK tools ignore it).
TITLE_EN = "form_title_en"
#: The loader's default ``max_length`` of text types; not worth a constraint on export.
DEFAULT_MAX_LENGTH = {QType.TEXT: 500, QType.LONG_TEXT: 5000}
DEFAULT_BASELINE_LABEL = Text("Đầu kỳ", "Baseline")
DEFAULT_CURRENT_LABEL = Text("Hiện nay", "Current")
#: The most rows a repeat may have (``max_rows`` in surveys/schema.json).
MAX_REPEAT_ROWS = 100

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_VALUE = re.compile(r"^[A-Za-z0-9_.-]+$")
_LANGUAGE_CODE = re.compile(r"\(\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*\s*\)\s*$")
_LANGUAGE_NAMES = {
    "vi": "vi", "vie": "vi", "vietnamese": "vi", "tiếng việt": "vi", "tieng viet": "vi",
    "en": "en", "eng": "en", "english": "en", "tiếng anh": "en", "tieng anh": "en",
}
_TRUE = frozenset({"yes", "true", "true()", "1"})
_FALSE = frozenset({"no", "false", "false()", "0"})
#: Types read as ours, with pyxform's older spellings of them.
_SIMPLE_TYPES = {
    "text": QType.TEXT, "string": QType.TEXT, "add text prompt": QType.TEXT,
    "q string": QType.TEXT,
    "integer": QType.INTEGER, "int": QType.INTEGER, "add integer prompt": QType.INTEGER,
    "q int": QType.INTEGER,
    "decimal": QType.DECIMAL, "add decimal prompt": QType.DECIMAL, "q decimal": QType.DECIMAL,
    "date": QType.DATE, "add date prompt": QType.DATE, "q date": QType.DATE,
    "note": QType.NOTE, "add note prompt": QType.NOTE, "q note": QType.NOTE,
}
#: The select commands pyxform knows (its ``aliases.select``), and ``select multiple``:
#: True for a multiple choice. Longer spellings first, so that the regex tries them first.
_SELECT_COMMANDS = {
    "add select one prompt using": False, "add select multiple prompt using": True,
    "select all that apply from": True, "select one from": False,
    "select all that apply": True, "select_multiple": True, "select multiple": True,
    "select_one": False, "select one": False, "select1": False,
}
_SELECT = re.compile(
    r"^(" + "|".join(re.escape(command) for command in _SELECT_COMMANDS) + r")(?:\s+(.*))?$",
    re.IGNORECASE,
)
#: Selects whose choices come from elsewhere than the choices sheet: not supported.
_SELECT_ELSEWHERE = re.compile(
    r"^select[ _](?:one|multiple)[ _](?:from[ _]file|external)(?:\s|$)", re.IGNORECASE)
#: Filled in by ODK itself, never asked: skipped on import (with a warning). ("phone number"
#: with a space is not one of them: pyxform asks it as a question.)
_METADATA_TYPES = frozenset({
    "start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber",
    "username", "email", "audit", "imei", "start-geopoint", "start time", "end time",
    "device id", "sim id", "subscriber id", "get start time", "get end time", "get today",
    "get device id", "get sim id", "get subscriber id", "get phone number",
    "uri:deviceid", "uri:subscriberid", "uri:simserial", "uri:phonenumber", "uri:username",
    "uri:email",
})
_BEGIN_GROUP, _END_GROUP = frozenset({"begin_group", "begin group"}), frozenset(
    {"end_group", "end group"})
#: pyxform also reads a "looped group" (``lgroup``) as a repeat.
_BEGIN_REPEAT = frozenset({"begin_repeat", "begin repeat", "begin_lgroup", "begin lgroup",
                           "begin_looped group", "begin looped group"})
_END_REPEAT = frozenset({"end_repeat", "end repeat", "end_lgroup", "end lgroup",
                         "end_looped group", "end looped group"})

# Columns. Headers are read as pyxform reads them: split on "::", or on ":" when no header
# of the sheet has "::" (``label:English``); the first part in snake_case (``List Name`` is
# ``list_name``), then pyxform's aliases; ``media::image``, ``bind::calculate``,
# ``control::appearance``... are the columns they stand for.
_ALIASES = {
    "survey": {
        "relevance": "relevant", "caption": "label", "constraining_message":
        "constraint_message", "calculate": "calculation", "count": "repeat_count",
        "jr:count": "repeat_count", "readonly": "read_only", "requiredmsg": "required_message",
        "noapperrorstring": "no_app_error_string", "command": "type", "tag": "name",
        "value": "name", "body": "control",
    },
    "choices": {"caption": "label", "value": "name"},
    "settings": {"title": "form_title", "set_form_title": "form_title",
                 "set_form_id": "form_id", "id_string": "form_id"},
}
_GROUPED = {
    ("media", "image"): "image", ("media", "big-image"): "big-image",
    ("media", "audio"): "audio", ("media", "video"): "video",
    ("bind", "relevant"): "relevant", ("bind", "required"): "required",
    ("bind", "constraint"): "constraint", ("bind", "jr:constraintmsg"): "constraint_message",
    ("bind", "calculate"): "calculation", ("bind", "readonly"): "read_only",
    ("bind", "jr:requiredmsg"): "required_message",
    ("bind", "jr:noapperrorstring"): "no_app_error_string",
    ("bind", "entities:saveto"): "save_to",
    ("control", "appearance"): "appearance", ("control", "jr:count"): "repeat_count",
    ("control", "autoplay"): "autoplay", ("control", "rows"): "rows",
}
_GROUP_PREFIXES = frozenset({"media", "bind", "control", "instance"})
#: Attribute namespaces that ODK engines act on; other namespaces (``esri:``...) they ignore.
_ODK_NAMESPACES = frozenset({"", "jr", "odk", "orx", "xf", "h", "entities"})
_SURVEY_COLUMNS = frozenset({"type", "name", "label", "hint", "required", "relevant",
                             "constraint", "constraint_message", "default", "appearance", "area",
                             "repeat_count", "read_only", "disabled"})
_MEDIA_COLUMNS = frozenset({"image", "big-image", "audio", "video"})
#: Survey columns that ODK acts on and this app cannot carry: a value refuses the import.
#: (Others that are read here refuse some values too: ``read_only``, ``repeat_count``,
#: ``default`` and ``appearance``; see ``_Importer.check_columns``.)
_SURVEY_REFUSED = frozenset({"calculation", "choice_filter", "trigger", "parameters",
                             "save_to", *_MEDIA_COLUMNS})
_CHOICES_COLUMNS = frozenset({"list_name", "name", "label"})
_SETTINGS_COLUMNS = frozenset({"form_title", "form_id", "version", "default_language",
                               "audience", TITLE_EN})
_TRANSLATED = frozenset({"label", "hint", "constraint_message", "form_title"})
#: Other columns that may carry a language (``image::English (en)``).
_TRANSLATABLE = _TRANSLATED | _MEDIA_COLUMNS | {"guidance_hint", "required_message"}
_GROUP_APPEARANCES = frozenset({"field-list", "table-list"})


# --------------------------------------------------------------------------
# Results and problems
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class XLSFormProblem:
    """Something wrong (or, as a warning, left out) in a workbook, where XLSForm tools show it.

    ``row`` counts like a spreadsheet: the header row is 1, the first data row 2; ``None``
    when the problem concerns the whole sheet or workbook.
    """

    sheet: str
    row: int | None
    message: str

    def __str__(self) -> str:
        if not self.sheet:
            return self.message
        if self.row is None:
            return _("sheet %(sheet)s: %(message)s", sheet=self.sheet, message=self.message)
        return _("sheet %(sheet)s, row %(row)d: %(message)s",
                 sheet=self.sheet, row=self.row, message=self.message)


class XLSFormError(ValueError):
    """The workbook cannot be imported; ``problems`` lists every reason found."""

    def __init__(self, problems: Iterable[XLSFormProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class ImportResult:
    """An imported survey: the YAML-ready mapping, its YAML text and what was left out."""

    mapping: dict[str, Any]
    yaml_text: str
    warnings: list[XLSFormProblem] = field(default_factory=list)


Origin = tuple[str, int | None]


# --------------------------------------------------------------------------
# Expression text helpers (shared by import and export)
# --------------------------------------------------------------------------

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:")


def _scan(text: str) -> Iterator[tuple[int, str, int]]:
    """Yield ``(index, kind, depth)`` for the interesting spots of expression text.

    kinds: ``ref`` (a ``${`` opening), ``and`` (the keyword, outside brackets and strings has
    depth 0), ``open``/``close`` (round brackets). Strings and references are skipped over,
    so their contents are never mistaken for operators.
    """
    i, depth, n = 0, 0, len(text)
    while i < n:
        char = text[i]
        if char in "'\"":
            end = text.find(char, i + 1)
            i = n if end < 0 else end + 1
            continue
        if text.startswith("${", i):
            yield i, "ref", depth
            end = text.find("}", i)
            i = n if end < 0 else end + 1
            continue
        if char == "(":
            depth += 1
            yield i, "open", depth
        elif char == ")":
            yield i, "close", depth
            depth -= 1
        elif (text.startswith("and", i) and (i == 0 or text[i - 1] not in _NAME_CHARS)
              and (i + 3 >= n or text[i + 3] not in _NAME_CHARS)):
            yield i, "and", depth
            i += 3
            continue
        i += 1


def rewrite_references(text: str, renames: dict[str, str]) -> str:
    """Replace ``${old}`` by ``${new}`` for each name in ``renames`` (strings left alone)."""
    if not renames:
        return text
    out, last = [], 0
    for index, kind, _depth in _scan(text):
        if kind != "ref":
            continue
        end = text.find("}", index)
        if end < 0:
            break
        name = text[index + 2 : end].strip()
        if name in renames:
            out.append(text[last:index])
            out.append("${" + renames[name] + "}")
            last = end + 1
    out.append(text[last:])
    return "".join(out)


def _split_and(text: str) -> list[str]:
    """The top-level ``and`` terms of expression text, stripped."""
    parts, last = [], 0
    for index, kind, depth in _scan(text):
        if kind == "and" and depth == 0:
            parts.append(text[last:index].strip())
            last = index + 3
    parts.append(text[last:].strip())
    return parts


def _strip_brackets(text: str) -> str:
    """``(a or b)`` -> ``a or b`` when one pair of brackets wraps the whole text."""
    text = text.strip()
    if not (text.startswith("(") and text.endswith(")")):
        return text
    for index, kind, depth in _scan(text):
        if kind == "close" and depth == 1:
            return text[1:-1].strip() if index == len(text) - 1 else text
    return text


def _number_text(number: float) -> str:
    """12.0 -> "12", 1.5 -> "1.5" (XLSForm cells and expressions)."""
    if float(number).is_integer():
        return str(int(number))
    return repr(float(number))


def _bound_of(tree: dict[str, Any]) -> tuple[str, float] | None:
    """``. >= A`` -> ("min", A); ``. <= B`` -> ("max", B); ``string-length(.) <= N`` ->
    ("max_length", N); anything else -> None."""

    def number(node: dict[str, Any]) -> float | None:
        if "num" in node:
            return float(node["num"])
        if node.get("op") == "neg" and "num" in node["args"][0]:
            return -float(node["args"][0]["num"])
        return None

    op, args = tree.get("op"), tree.get("args", [])
    if op not in (">=", "<=") or len(args) != 2:
        return None
    value = number(args[1])
    if value is None or not math.isfinite(value):
        return None
    if args[0] == {"cur": True}:
        return ("min" if op == ">=" else "max"), value
    if (op == "<=" and args[0].get("fn") == "string-length"
            and args[0].get("args") == [{"cur": True}] and value.is_integer() and value > 0):
        return "max_length", value
    return None


# --------------------------------------------------------------------------
# Reading the workbook
# --------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    #: (column name, language code or None for the plain column) -> cell text
    cells: dict[tuple[str, str | None], str]

    def get(self, column: str) -> str:
        return self.cells.get((column, None), "")


@dataclass
class _Sheet:
    name: str
    rows: list[_Row]
    #: Every (column, language) that has a header.
    columns: set[tuple[str, str | None]]
    #: Header text of each column, for messages.
    headers: dict[tuple[str, str | None], str]


def _cell_text(value: Any) -> str:
    """A cell as XLSForm tools read it: numbers without ``.0``, dates as ISO text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.time() == datetime.min.time():
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return _number_text(value) if math.isfinite(value) else str(value)
    return str(value).strip()


def language_code(language: str) -> str | None:
    """``Tiếng Việt (vi)`` / ``vi`` / ``Vietnamese`` -> ``vi``; unknown languages -> None."""
    match = _LANGUAGE_CODE.search(language)
    if match:
        code = match.group(1).lower()
        return _LANGUAGE_NAMES.get(code)
    return _LANGUAGE_NAMES.get(" ".join(language.split()).lower())


class _Reader:
    """Reads the sheets into rows of texts keyed by (column, language)."""

    def __init__(self, warnings: list[XLSFormProblem]) -> None:
        self.warnings = warnings

    def read(self, source: Path | str | bytes) -> dict[str, _Sheet]:
        try:
            data = source if isinstance(source, bytes) else Path(source).read_bytes()
        except OSError as exc:
            raise XLSFormError([XLSFormProblem("", None, _(
                "The file cannot be read: %(error)s", error=exc.strerror or str(exc)))]) from exc
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise XLSFormError([XLSFormProblem("", None, _(
                "This is not an .xlsx workbook; save the XLSForm as an Excel .xlsx file "
                "and try again."))]) from exc
        try:
            sheets = {}
            for worksheet in book.worksheets:
                name = worksheet.title.strip().lower()
                if name in (SURVEY, CHOICES, SETTINGS, ENTITIES) and name not in sheets:
                    # Some tools write a wrong sheet size; read what is really there.
                    worksheet.reset_dimensions()
                    sheets[name] = self._sheet(name, worksheet.iter_rows(values_only=True))
            return sheets
        finally:
            book.close()

    def _sheet(self, name: str, rows: Iterator[tuple[Any, ...]]) -> _Sheet:
        header = [_cell_text(cell) for cell in next(rows, ())]
        # As pyxform: single colons split a header only when no header of the sheet has "::".
        double_colon = any("::" in text for text in header)
        columns: list[tuple[str, str | None] | None] = []
        headers: dict[tuple[str, str | None], str] = {}
        for text in header:
            column = self._column(name, text, double_colon) if text else None
            if column is not None and column in headers:
                self.warnings.append(XLSFormProblem(name, 1, _(
                    "The column “%(column)s” appears twice; the second one is ignored.",
                    column=text)))
                column = None
            if column is not None:
                headers[column] = text
            columns.append(column)
        sheet_rows = []
        for number, values in enumerate(rows, start=2):
            cells = {}
            for column, value in zip(columns, values, strict=False):
                text = _cell_text(value)
                if column is not None and text:
                    cells[column] = text
            if cells:
                sheet_rows.append(_Row(number, cells))
        return _Sheet(name, sheet_rows, set(headers), headers)

    def _column(self, sheet: str, header: str, double_colon: bool
                ) -> tuple[str, str | None] | None:
        """(column, language) of a header, read as pyxform reads it (see ``_ALIASES``).

        A column that pyxform would not know keeps its header as its name.
        """
        tokens = _header_tokens(header, double_colon)
        aliases = _ALIASES.get(sheet, {})
        base = _snake_case(tokens[0])
        base, rest = aliases.get(base, base), tokens[1:]
        if base in _GROUP_PREFIXES and rest:
            inner, rest = rest[0], rest[1:]
            base = _GROUPED.get((base, inner.lower()), f"{base}::{inner}")
        if not rest:
            return base, None
        if len(rest) > 1:
            return header, None
        language = rest[0]
        if base not in _TRANSLATABLE:
            return base, language  # the importer refuses it where the column matters
        code = language_code(language)
        if base in _TRANSLATED and code is None:
            self.warnings.append(XLSFormProblem(sheet, 1, _(
                "The column “%(column)s” is ignored: only Vietnamese (vi) and English (en) "
                "are supported.", column=header)))
            return None
        return base, code or language


def _header_tokens(header: str, double_colon: bool) -> list[str]:
    """A header's parts, split as pyxform splits them: on "::", or on ":" when no header of
    the sheet has "::" (``label:English``); ``jr:count`` stays one part even then."""
    if double_colon or "::" in header:
        return [token.strip() for token in header.split("::")]
    tokens = [token.strip() for token in header.split(":")]
    if "jr" in tokens[:-1]:
        index = tokens.index("jr")
        tokens[index : index + 2] = [f"jr:{tokens[index + 1]}"]
    return tokens


def _snake_case(text: str) -> str:
    """``List Name`` -> ``list_name``, as pyxform normalises column names."""
    return "_".join(text.split()).lower()


def _odk_attribute(column: str) -> bool:
    """``bind::jr:preload``, ``control::intent``...: an XForm attribute column that ODK
    engines act on (no namespace, or one of ODK's); ``bind::esri:fieldType`` is not one."""
    prefix, sep, attribute = column.partition("::")
    if not sep or prefix not in ("bind", "control"):
        return False
    namespace = attribute.partition(":")[0] if ":" in attribute else ""
    return namespace.lower() in _ODK_NAMESPACES


def _media_problem(column: str, value: str) -> str:
    return _(
        "“%(column)s”: pictures, sound and video (“%(value)s”) cannot be shown here, so they "
        "would be lost. Write what they say into the label instead.", column=column, value=value)


#: What makes pyxform take a default as a formula (its ``default_is_dynamic``): a ${name},
#: a function call, or an operator (a minus that is not inside a name or a number).
_FORMULA = re.compile(
    r"\$\{[^\W\d][\w.\-]*\}"
    r"|[^\W\d][\w.\-]*(?::[^\W\d][\w.\-]*)?\("
    r"|[*+|]| div | mod "
    r"|(?<![\w.\-])-(?![\d.])"
)


def _is_formula(text: str, qtype: QType | None) -> bool:
    """Whether ODK computes this default cell rather than taking it as it is."""
    if qtype is QType.DATE:
        text = text.replace("-", "")  # 2017-09-15 is a date, not a subtraction
    return _FORMULA.search(text) is not None


# --------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------


@dataclass
class _Item:
    """One survey-sheet element: a question, a group or a repeat (with its children)."""

    kind: str  # "question" | "group" | "repeat"
    row: int
    name: str
    qtype: QType | None = None
    label: Any = None
    hint: Any = None
    required: bool = False
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: Any = None
    default: str = ""
    list_name: str | None = None
    area: str | None = None
    #: A repeat's fixed number of rows (repeat_count).
    rows: int | None = None
    children: list[_Item] = field(default_factory=list)
    parent: _Item | None = None


class _Importer:
    def __init__(self, sheets: dict[str, _Sheet], key: str, audience: str | None,
                 warnings: list[XLSFormProblem]) -> None:
        self.sheets = sheets
        self.key = key
        self.audience = audience
        self.problems: list[XLSFormProblem] = []
        self.warnings = warnings
        self.names: dict[str, _Item] = {}
        self.root = _Item("group", 0, "")
        self.items: list[_Item] = []
        self.lists: dict[str, list[tuple[int, str, Any]]] = {}
        self.list_rows: dict[str, int] = {}
        self.default_language = "vi"
        self.fallback_warned: set[tuple[str, str]] = set()
        #: Names of rows left out: True when their type was refused (already a problem),
        #: False for ODK metadata (skipped with a warning).
        self.left_out: dict[str, bool] = {}
        #: key -> where it came from; and id(mapping) -> origin, for mapping loader problems.
        self.key_origins: dict[str, Origin] = {}
        self.origins: dict[int, Origin] = {}

    def error(self, sheet: str, row: int | None, message: str) -> None:
        self.problems.append(XLSFormProblem(sheet, row, message))

    def warn(self, sheet: str, row: int | None, message: str) -> None:
        self.warnings.append(XLSFormProblem(sheet, row, message))

    # ---- texts

    def text(self, sheet: _Sheet, row: _Row, column: str) -> Any:
        """The Text (plain string, or {vi, en}) of a translatable column; None when empty."""
        plain = row.cells.get((column, None), "")
        vi = row.cells.get((column, "vi")) or (plain if self.default_language == "vi" else "")
        en = row.cells.get((column, "en")) or (plain if self.default_language == "en" else "")
        if not vi and en:
            vi = en
            has_vi = (column, "vi") in sheet.columns or (
                (column, None) in sheet.columns and self.default_language == "vi")
            if has_vi:
                self.warn(sheet.name, row.number, _(
                    "The %(column)s has no Vietnamese text; the English text is used.",
                    column=column))
            elif (sheet.name, column) not in self.fallback_warned:
                self.fallback_warned.add((sheet.name, column))
                self.warn(sheet.name, None, _(
                    "There is no Vietnamese %(column)s column; the English texts are used as "
                    "the Vietnamese ones. Translate them in the YAML file.", column=column))
        if not vi:
            return None
        return {"vi": vi, "en": en} if en and en != vi else vi

    # ---- settings

    def read_settings(self) -> tuple[Any, str]:
        sheet = self.sheets.get(SETTINGS)
        row = sheet.rows[0] if sheet and sheet.rows else None
        if sheet is not None:
            self.check_settings(sheet, row)
        language = row.get("default_language") if row else ""
        if language:
            code = language_code(language)
            if code is None:
                self.warn(SETTINGS, row.number, _(
                    "The default language “%(language)s” is neither Vietnamese nor English; "
                    "columns without a language are read as Vietnamese.", language=language))
            else:
                self.default_language = code
        # form_title, also written title or set_form_title (pyxform's aliases).
        title = self.text(sheet, row, "form_title") if sheet and row else None
        english = row.get(TITLE_EN) if row else ""
        if isinstance(title, str) and english and english != title:
            title = {"vi": title, "en": english}
        form_id = row.get("form_id") if row else ""
        if title is None and form_id:
            # As XLSForm says: without a form_title, the title is the form_id.
            title = form_id
            self.warn(SETTINGS, row.number, _(
                "There is no form_title; the form_id “%(form_id)s” is used as the title.",
                form_id=form_id))
        elif title is None:
            title = self.key
            self.warn(SETTINGS, row.number if row else None, _(
                "There is no form_title; the survey key is used as its title."))
        if form_id and form_id != self.key:
            self.warn(SETTINGS, row.number, _(
                "form_id “%(form_id)s” differs from the survey key “%(key)s”; the key is used.",
                form_id=form_id, key=self.key))
        audience = self.audience or (row.get("audience") if row else "")
        if not audience:
            audience = DEFAULT_AUDIENCE.value
            self.warn(SETTINGS, None, _(
                "No audience was given; the survey is for “%(audience)s”. Change it in the "
                "YAML file if needed.", audience=audience))
        elif audience not in {a.value for a in Audience}:
            self.error(SETTINGS, row.number if row and not self.audience else None, _(
                "The audience “%(audience)s” is unknown; use one of: %(choices)s.",
                audience=audience, choices=", ".join(a.value for a in Audience)))
        return title, audience

    def check_settings(self, sheet: _Sheet, row: _Row | None) -> None:
        """Refuse an encrypted form; warn about the settings that are not used here."""
        self.refuse_languages(sheet, _SETTINGS_COLUMNS)
        if row is None:
            return
        for (column, language), value in row.cells.items():
            if column == "public_key":
                self.error(SETTINGS, row.number, _(
                    "Encrypted forms (public_key) are not supported here: the answers would "
                    "be stored without encryption."))
            elif column not in _SETTINGS_COLUMNS:
                self.warn(SETTINGS, row.number, _(
                    "The setting “%(column)s” (“%(value)s”) is not used here; it is ignored.",
                    column=sheet.headers[(column, language)], value=value))

    # ---- names

    def check_name(self, sheet: str, row: int, name: str, kind: str) -> bool:
        if not name:
            if kind == "group":
                self.error(sheet, row, _("The group has no name."))
            elif kind == "repeat":
                self.error(sheet, row, _("The repeat has no name."))
            else:
                self.error(sheet, row, _("The question has no name."))
            return False
        if not _KEY.match(name):
            suggestion = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")
            if not suggestion or not suggestion[0].isalpha():
                suggestion = "q_" + suggestion
            self.error(sheet, row, _(
                "The name “%(name)s” cannot be used: names here have lower-case letters a-z, "
                "digits and _ only, and start with a letter (for example “%(suggestion)s”). "
                "Rename it, and every ${%(name)s} that refers to it.",
                name=name, suggestion=suggestion))
            return False
        return True

    # ---- choices sheet

    def read_choices(self) -> None:
        sheet = self.sheets.get(CHOICES)
        if sheet is None:
            return
        self.refuse_languages(sheet, _CHOICES_COLUMNS)
        self.warn_unknown_columns(sheet, _CHOICES_COLUMNS | _MEDIA_COLUMNS)
        for row in sheet.rows:
            for (column, language), media in row.cells.items():
                if column in _MEDIA_COLUMNS:
                    self.error(CHOICES, row.number, _media_problem(
                        sheet.headers[(column, language)], media))
            list_name, value = row.get("list_name"), row.get("name")
            label = self.text(sheet, row, "label")
            if not list_name:
                if value or label:
                    self.error(CHOICES, row.number, _("The choice has no list_name."))
                continue
            self.lists.setdefault(list_name, [])
            self.list_rows.setdefault(list_name, row.number)
            self.lists[list_name].append((row.number, value, label))

    def check_choice(self, list_name: str, number: int, value: str, label: Any,
                     seen: dict[tuple[str, str], int]) -> None:
        if not value:
            self.error(CHOICES, number, _("The choice has no name (its value)."))
        elif not _VALUE.match(value):
            self.error(CHOICES, number, _(
                "The choice name “%(value)s” cannot be used: use letters, digits and _ . - "
                "only, without spaces.", value=value))
        elif (list_name, value) in seen:
            self.error(CHOICES, number, _(
                "The choice name “%(value)s” is already in list “%(list)s” (row %(row)d).",
                value=value, list=list_name, row=seen[(list_name, value)]))
        else:
            seen[(list_name, value)] = number
        if label is None:
            self.error(CHOICES, number, _("The choice has no label."))

    def warn_unknown_columns(self, sheet: _Sheet, known: frozenset[str]) -> None:
        """Warn once per column that is ignored: one that ODK tools ignore too, or that only
        changes how a form looks (see surveys/README.md)."""
        for column, header in sheet.headers.items():
            if column[0] in known or _odk_attribute(column[0]):
                continue
            first = next((row.number for row in sheet.rows if row.cells.get(column)), None)
            if first is not None:
                self.warn(sheet.name, first, _(
                    "The column “%(column)s” is not supported; its values are ignored.",
                    column=header))

    def refuse_languages(self, sheet: _Sheet, known: frozenset[str]) -> None:
        """A column read or refused here has no language (``relevant::English``): its values
        would be lost, so the first one is refused."""
        for (column, language), header in sheet.headers.items():
            if language is None or column in _TRANSLATABLE or column not in known:
                continue
            first = next((row.number for row in sheet.rows
                          if row.cells.get((column, language))), None)
            if first is not None:
                self.error(sheet.name, first, _(
                    "The column “%(column)s” cannot have a language; write it as “%(base)s”.",
                    column=header, base=column))

    def check_columns(self, sheet: _Sheet, row: _Row) -> None:
        """Refuse the values of this row that ODK acts on and this app cannot carry."""
        for (column, language), value in row.cells.items():
            if language is not None and column not in _TRANSLATABLE:
                continue  # refused by refuse_languages
            header = sheet.headers[(column, language)]
            if column == "calculation":
                message = _(
                    "“%(column)s”: calculations are not supported here, so “%(value)s” would "
                    "be lost. Remove it from the workbook if the survey can do without it.",
                    column=header, value=value)
            elif column == "choice_filter":
                message = _(
                    "“%(column)s”: filtered choice lists (cascading selects) are not supported "
                    "here; every choice would be shown, not only those where “%(value)s”.",
                    column=header, value=value)
            elif column == "trigger":
                message = _(
                    "“%(column)s”: recalculating a value when another question changes is not "
                    "supported here, so “%(value)s” would be lost.", column=header, value=value)
            elif column == "parameters":
                message = _(
                    "“%(column)s”: the parameters “%(value)s” are not supported here; the "
                    "question would behave differently.", column=header, value=value)
            elif column in _MEDIA_COLUMNS:
                message = _media_problem(header, value)
            elif column == "read_only" and value.lower() not in _FALSE:
                message = _(
                    "“%(column)s”: read-only questions are not supported here; people could "
                    "change this answer.", column=header)
            elif column == "save_to" or _odk_attribute(column):
                message = _(
                    "The column “%(column)s” (“%(value)s”) changes how ODK handles this row; "
                    "it is not supported here, so it would be lost.", column=header, value=value)
            else:
                continue
            self.error(SURVEY, row.number, message)

    # ---- survey sheet: structure

    def read_survey(self) -> None:
        sheet = self.sheets.get(SURVEY)
        if sheet is None:
            self.error(SURVEY, None, _("The workbook has no “survey” sheet."))
            return
        self.refuse_languages(sheet, _SURVEY_COLUMNS | _SURVEY_REFUSED)
        self.warn_unknown_columns(sheet, _SURVEY_COLUMNS | _SURVEY_REFUSED)
        stack = [self.root]
        for row in sheet.rows:
            raw = " ".join(row.get("type").split())
            low = raw.lower()
            if row.get("disabled").lower() in _TRUE - {"1"}:
                # pyxform leaves a disabled row (yes, true, true()) out of the form.
                self.warn(SURVEY, row.number, _(
                    "This row is disabled; it is left out, as ODK leaves it out."))
                continue
            if not raw:
                if row.get("name") or self.text(sheet, row, "label"):
                    self.error(SURVEY, row.number, _("The row has no type."))
                continue
            if low in _BEGIN_GROUP or low in _BEGIN_REPEAT:
                kind = "group" if low in _BEGIN_GROUP else "repeat"
                item = self.container(sheet, row, kind, stack)
                self.check_columns(sheet, row)
                stack[-1].children.append(item)
                item.parent = stack[-1]
                stack.append(item)
            elif low in _END_GROUP or low in _END_REPEAT:
                self.close(row.number, "group" if low in _END_GROUP else "repeat", raw, stack)
            elif low in _METADATA_TYPES:
                self.warn(SURVEY, row.number, _(
                    "The type “%(type)s” is filled in by ODK itself; it is left out.", type=raw))
                self.left_out[row.get("name")] = False
            else:
                item = self.question(sheet, row, raw)
                if item is not None:
                    self.check_columns(sheet, row)
                    item.parent = stack[-1]
                    stack[-1].children.append(item)
                else:
                    self.left_out[row.get("name")] = True
        for item in stack[1:]:
            self.error(SURVEY, item.row, _(
                "This begin_%(kind)s has no matching end_%(kind)s.", kind=item.kind))

    def close(self, number: int, kind: str, raw: str, stack: list[_Item]) -> None:
        """An end row: close the innermost open container of its kind."""
        open_index = next((i for i in range(len(stack) - 1, 0, -1) if stack[i].kind == kind),
                          None)
        if open_index is None:
            self.error(SURVEY, number, _(
                "This %(type)s has no matching begin_%(kind)s.", type=raw, kind=kind))
            return
        for item in stack[open_index + 1 :]:
            self.error(SURVEY, item.row, _(
                "This begin_%(kind)s is not closed before row %(row)d.", kind=item.kind,
                row=number))
        del stack[open_index:]

    def common(self, sheet: _Sheet, row: _Row, item: _Item) -> None:
        """Columns shared by questions, groups and repeats."""
        item.label = self.text(sheet, row, "label")
        item.hint = self.text(sheet, row, "hint")
        item.relevant = row.get("relevant") or None
        required = row.get("required")
        if required:
            if required.lower() in _TRUE:
                item.required = True
            elif required.lower() not in _FALSE:
                self.error(SURVEY, row.number, _(
                    "required must be yes or no; a condition (“%(value)s”) is not supported.",
                    value=required))
        item.constraint = row.get("constraint") or None
        item.constraint_message = self.text(sheet, row, "constraint_message")
        item.default = row.get("default")

    def register(self, item: _Item) -> None:
        self.items.append(item)
        if not self.check_name(SURVEY, item.row, item.name, item.kind):
            return
        if item.name in self.names:
            self.error(SURVEY, item.row, _(
                "The name “%(name)s” is already used in row %(row)d.",
                name=item.name, row=self.names[item.name].row))
            return
        self.names[item.name] = item

    def container(self, sheet: _Sheet, row: _Row, kind: str, stack: list[_Item]) -> _Item:
        item = _Item(kind, row.number, row.get("name"))
        self.common(sheet, row, item)
        self.register(item)
        if kind == "repeat" and any(open_item.kind == "repeat" for open_item in stack):
            self.error(SURVEY, row.number, _("A repeat inside a repeat is not supported."))
        if item.label is None:
            item.label = item.name
            self.warn(SURVEY, row.number, _("The group has no label; its name is used.")
                      if kind == "group" else _("The repeat has no label; its name is used."))
        if item.required:
            item.required = False
            self.warn(SURVEY, row.number, _("required is ignored on a group or repeat."))
        if item.constraint or item.default:
            self.warn(SURVEY, row.number, _(
                "constraint and default are ignored on a group or repeat."))
            item.constraint = None
        appearance = row.get("appearance")
        if appearance and not (kind == "group" and appearance in _GROUP_APPEARANCES):
            self.warn(SURVEY, row.number, _(
                "The appearance “%(appearance)s” is ignored.", appearance=appearance))
        count = row.get("repeat_count")
        if count and kind != "repeat":
            self.warn(SURVEY, row.number, _(
                "repeat_count is read only on a repeat; ignored here."))
        elif count and re.fullmatch(r"[0-9]+", count) and 1 <= int(count) <= MAX_REPEAT_ROWS:
            item.rows = int(count)  # exactly that many rows, as ODK shows them
        elif count:
            self.error(SURVEY, row.number, _(
                "repeat_count must be a whole number of rows from 1 to %(max)d; “%(value)s” "
                "is not supported here.", max=MAX_REPEAT_ROWS, value=count))
        area = row.get("area")
        if area:
            if len(stack) > 1 or kind != "group":
                self.warn(SURVEY, row.number, _(
                    "area is read only on top-level groups (sections); ignored here."))
            elif area not in CONTENT_AREAS:
                self.error(SURVEY, row.number, _(
                    "The area “%(area)s” is unknown; use one of: %(choices)s.",
                    area=area, choices=", ".join(CONTENT_AREAS)))
            else:
                item.area = area
        return item

    def question(self, sheet: _Sheet, row: _Row, raw: str) -> _Item | None:
        qtype, list_name = self.question_type(row.number, raw)
        if qtype is None:
            return None
        item = _Item("question", row.number, row.get("name"), qtype=qtype, list_name=list_name)
        self.common(sheet, row, item)
        self.register(item)
        if "search(" in row.get("appearance").replace(" ", ""):
            self.error(SURVEY, row.number, _(
                "The appearance “%(appearance)s” takes the choices from a file; that is not "
                "supported here.", appearance=row.get("appearance")))
        appearance = row.get("appearance").split()
        if qtype is QType.TEXT and "multiline" in appearance:
            item.qtype = QType.LONG_TEXT
            appearance.remove("multiline")
        if appearance:
            self.warn(SURVEY, row.number, _(
                "The appearance “%(appearance)s” is ignored.", appearance=" ".join(appearance)))
        if item.label is None:
            self.error(SURVEY, row.number, _("The question has no label."))
        elif "${" in str(item.label) + str(item.hint or ""):
            self.warn(SURVEY, row.number, _(
                "Labels and hints are shown as written here: a ${name} in them is not "
                "replaced by the answer."))
        if qtype is QType.NOTE:
            if item.required or item.constraint or item.default:
                self.warn(SURVEY, row.number, _(
                    "required, constraint and default are ignored on a note."))
            item.required, item.constraint, item.default = False, None, ""
        if item.default and _is_formula(item.default, item.qtype):
            # ODK computes such a default when the form opens (pyxform's dynamic default).
            self.error(SURVEY, row.number, _(
                "The default “%(value)s” is a formula; only fixed default values are "
                "supported here.", value=item.default))
            item.default = ""
        if item.constraint_message is not None and not item.constraint:
            self.warn(SURVEY, row.number, _(
                "constraint_message is ignored: there is no constraint."))
            item.constraint_message = None
        return item

    def question_type(self, number: int, raw: str) -> tuple[QType | None, str | None]:
        simple = _SIMPLE_TYPES.get(raw.lower())
        if simple is not None:
            return simple, None
        match = None if _SELECT_ELSEWHERE.match(raw) else _SELECT.match(raw)
        if match:
            multiple = _SELECT_COMMANDS[match.group(1).lower()]
            rest = (match.group(2) or "").split()
            if not rest:
                self.error(SURVEY, number, _(
                    "%(type)s needs the name of a choice list, e.g. “%(type)s agree5”.",
                    type=match.group(1)))
                return None, None
            if len(rest) > 1:
                self.error(SURVEY, number, _(
                    "“%(type)s” is not supported (or_other and similar options are not); "
                    "add an “other” choice and a text question instead.", type=raw))
                return None, None
            qtype = QType.MULTIPLE_CHOICE if multiple else QType.SINGLE_CHOICE
            return qtype, rest[0]
        self.error(SURVEY, number, _("The type “%(type)s” is not supported.", type=raw))
        return None, None

    def check_entities(self) -> None:
        sheet = self.sheets.get(ENTITIES)
        if sheet is not None and sheet.rows:
            self.error(ENTITIES, sheet.rows[0].number, _(
                "Entities (the entities sheet) are not supported here; the form would no "
                "longer create or update them."))

    # ---- survey sheet: references

    def check_expressions(self) -> None:
        relevance: dict[str, set[str]] = {}
        for item in self.items:
            deps: set[str] = set()
            for column in ("relevant", "constraint"):
                text = getattr(item, column)
                if not text:
                    continue
                try:
                    tree = parse(text)
                except ExpressionError as exc:
                    self.error(SURVEY, item.row, _(
                        "%(column)s: %(message)s (column %(position)d of “%(text)s”).",
                        column=column, message=exc.message, position=exc.column, text=text))
                    continue
                for name in sorted(references(tree)):
                    self.check_reference(item, column, name)
                if column == "relevant":
                    deps |= references(tree)
            if item.parent is not None and item.parent is not self.root:
                deps.add(item.parent.name)
            if self.names.get(item.name) is item:
                relevance[item.name] = deps
        self.check_cycles(relevance)

    def check_reference(self, item: _Item, column: str, name: str) -> None:
        target = self.names.get(name)
        if target is None and self.left_out.get(name):
            return  # its row's type was refused already; one problem is enough
        if target is None and name in self.left_out:
            self.error(SURVEY, item.row, _(
                "%(column)s refers to ${%(name)s}, which is left out (ODK fills it in itself).",
                column=column, name=name))
        elif target is None:
            self.error(SURVEY, item.row, _(
                "%(column)s refers to ${%(name)s}, but there is no question named "
                "“%(name)s”.", column=column, name=name))
        elif target.kind != "question" or target.qtype is QType.NOTE:
            self.error(SURVEY, item.row, _(
                "%(column)s refers to ${%(name)s}, which has no answer (it is a group, "
                "repeat or note).", column=column, name=name))

    def check_cycles(self, relevance: dict[str, set[str]]) -> None:
        graph = {name: {d for d in deps if d in relevance} for name, deps in relevance.items()}
        for _attempt in range(len(graph)):
            cycle = find_cycle(graph)
            if cycle is None:
                return
            self.error(SURVEY, min(self.names[name].row for name in cycle), _(
                "The relevance goes round in a circle: %(cycle)s.",
                cycle=" → ".join(cycle)))
            for name in cycle:
                graph.pop(name, None)

    # ---- building the mapping

    def build(self, title: Any, audience: str) -> dict[str, Any]:
        used = {item.list_name for item in self.items if item.list_name}
        for item in self.items:
            if item.list_name and item.list_name not in self.lists:
                self.error(SURVEY, item.row, _(
                    "The choice list “%(list)s” is not in the choices sheet.",
                    list=item.list_name))
        choice_lists: dict[str, list[dict[str, Any]]] = {}
        for list_name, entries in self.lists.items():
            if list_name not in used:
                self.warn(CHOICES, self.list_rows[list_name], _(
                    "The choice list “%(list)s” is not used by any question; it is left out.",
                    list=list_name))
                continue
            if not _KEY.match(list_name):
                self.error(CHOICES, self.list_rows[list_name], _(
                    "The list name “%(list)s” cannot be used: list names have lower-case "
                    "letters a-z, digits and _ only, and start with a letter.", list=list_name))
            items = []
            seen: dict[tuple[str, str], int] = {}
            for number, value, label in entries:
                self.check_choice(list_name, number, value, label, seen)
                choice = {"value": value, "label": label}
                self.origins[id(choice)] = (CHOICES, number)
                items.append(choice)
            choice_lists[list_name] = items
            self.origins[id(items)] = (CHOICES, self.list_rows[list_name])
            self.key_origins.setdefault(list_name, (CHOICES, self.list_rows[list_name]))

        mapping: dict[str, Any] = {"key": self.key, "title": title, "audience": audience}
        if choice_lists:
            mapping["choice_lists"] = choice_lists
        mapping["sections"] = self.sections(title)
        settings = self.sheets.get(SETTINGS)
        self.origins[id(mapping)] = (
            (SETTINGS, settings.rows[0].number) if settings and settings.rows else (SURVEY, None))
        return mapping

    def sections(self, title: Any) -> list[dict[str, Any]]:
        sections: list[dict[str, Any]] = []
        loose: list[_Item] = []
        automatic = 0

        def flush() -> None:
            nonlocal automatic
            if not loose:
                return
            automatic += 1
            key = f"section_{automatic}"
            while key in self.names:
                key += "_"
            section = {"key": key, "title": copy.deepcopy(title),
                       "questions": self.questions(loose, None)}
            self.origins[id(section)] = (SURVEY, loose[0].row)
            self.key_origins[key] = (SURVEY, loose[0].row)
            sections.append(section)
            loose.clear()

        for item in self.root.children:
            if item.kind != "group":
                loose.append(item)
                continue
            flush()
            section: dict[str, Any] = {"key": item.name, "title": item.label}
            if item.area:
                section["area"] = item.area
            if item.hint is not None:
                section["description"] = item.hint
            if item.relevant:
                section["relevant"] = item.relevant
            section["questions"] = self.questions(item.children, None)
            if not section["questions"]:
                self.error(SURVEY, item.row, _("The group has no questions."))
            self.origins[id(section)] = (SURVEY, item.row)
            self.key_origins[item.name] = (SURVEY, item.row)
            sections.append(section)
        flush()
        if not sections and SURVEY in self.sheets:
            self.error(SURVEY, None, _("The survey sheet has no questions."))
        return sections

    def questions(self, items: list[_Item], relevant: str | None) -> list[dict[str, Any]]:
        """Our questions for these items; groups are flattened, their relevance and-ed in."""
        result = []
        for item in items:
            combined = _and(relevant, item.relevant)
            if item.kind == "group":
                self.warn(SURVEY, item.row, _(
                    "The group “%(name)s” inside another group is flattened: its questions "
                    "join the enclosing section or repeat.", name=item.name))
                result.extend(self.questions(item.children, combined))
                continue
            mapping: dict[str, Any] = {"key": item.name}
            if item.kind == "repeat":
                mapping |= {"type": QType.REPEAT.value, "label": item.label}
                if item.hint is not None:
                    mapping["hint"] = item.hint
                if combined:
                    mapping["relevant"] = combined
                if item.rows is not None:
                    mapping["min_rows"] = mapping["max_rows"] = item.rows
                mapping["questions"] = self.questions(item.children, None)
                if not mapping["questions"]:
                    self.error(SURVEY, item.row, _("The repeat has no questions."))
            else:
                mapping |= self.question_mapping(item, combined)
            self.origins[id(mapping)] = (SURVEY, item.row)
            self.key_origins[item.name] = (SURVEY, item.row)
            result.append(mapping)
        return result

    def question_mapping(self, item: _Item, relevant: str | None) -> dict[str, Any]:
        assert item.qtype is not None
        mapping: dict[str, Any] = {"type": item.qtype.value, "label": item.label}
        if item.hint is not None:
            mapping["hint"] = item.hint
        if item.required:
            mapping["required"] = True
        if relevant:
            mapping["relevant"] = relevant
        constraint, bounds = self.split_bounds(item)
        if constraint:
            mapping["constraint"] = constraint
            if item.constraint_message is not None:
                mapping["constraint_message"] = item.constraint_message
        if item.default:
            mapping["default"] = _default_value(item.qtype, item.default)
        mapping |= bounds
        if item.list_name:
            mapping["choices"] = item.list_name
        return mapping

    def split_bounds(self, item: _Item) -> tuple[str | None, dict[str, Any]]:
        """Take ``min``/``max``/``max_length`` terms out of the constraint (see docstring)."""
        text = item.constraint
        if not text:
            return None, {}
        if item.qtype in (QType.INTEGER, QType.DECIMAL):
            wanted = {"min", "max"}
        elif item.qtype in (QType.TEXT, QType.LONG_TEXT):
            wanted = {"max_length"}
        else:
            return text, {}
        try:
            tree = parse(text)
        except ExpressionError:
            return text, {}
        terms = _split_and(text)
        trees = tree["args"] if tree.get("op") == "and" else [tree]
        if len(terms) != len(trees):
            return text, {}
        bounds: dict[str, Any] = {}
        rest = []
        for term, term_tree in zip(terms, trees, strict=True):
            bound = _bound_of(term_tree)
            if (bound is None or bound[0] not in wanted or bound[0] in bounds
                    or (item.qtype is QType.INTEGER and not bound[1].is_integer())):
                rest.append(term)
                continue
            name, value = bound
            bounds[name] = int(value) if value.is_integer() else value
        if not bounds or (not rest and item.constraint_message is not None):
            return text, {}
        bounds = {name: bounds[name] for name in ("min", "max", "max_length") if name in bounds}
        if len(rest) == 1:
            return _strip_brackets(rest[0]), bounds
        return (" and ".join(rest) or None), bounds

    # ---- the whole import

    def run(self, source_name: str) -> ImportResult:
        title, audience = self.read_settings()
        self.read_choices()
        self.read_survey()
        self.check_entities()
        self.check_expressions()
        mapping = self.build(title, audience)
        if self.problems:
            raise XLSFormError(_sorted(self.problems))
        yaml_text = _dump(mapping, source_name)
        problems = self.validate(yaml_text, mapping)
        if problems:
            raise XLSFormError(problems)
        return ImportResult(mapping, yaml_text, _sorted(self.warnings))

    def validate(self, yaml_text: str, mapping: dict[str, Any]) -> list[XLSFormProblem]:
        """Check the YAML with the survey loader; map its problems back to sheet rows.

        The loader is the one authority on the format: anything this module missed is found
        there, and the YAML written by the CLI is exactly what was checked.
        """
        try:
            load_definition(yaml_text, source=f"{self.key}.yaml", expected_key=self.key)
        except DefinitionError as exc:
            lines = _line_origins(yaml_text, mapping, self.origins)
            return _sorted([self.map_problem(problem, lines) for problem in exc.problems])
        return []

    def map_problem(self, problem: Problem, lines: list[tuple[int, int, Origin]]
                    ) -> XLSFormProblem:
        """The sheet row a loader problem comes from: by its YAML line, else by its key."""
        line, key = problem.line, problem.key
        origin: Origin | None = None
        if line is not None:
            # The innermost node around the line: the one that starts last.
            containing = [(start, found) for start, end, found in lines if start <= line < end]
            if containing:
                origin = max(containing, key=lambda pair: pair[0])[1]
        root = lines[0][2] if lines else None
        if key and key in self.key_origins and origin in (None, root):
            origin = self.key_origins[key]
        sheet, row = origin or (SURVEY, None)
        message = problem.message
        if key:
            message = _("“%(name)s”: %(message)s", name=key, message=message)
        return XLSFormProblem(sheet, row, message)


def _and(first: str | None, second: str | None) -> str | None:
    if first and second:
        return f"({first}) and ({second})"
    return first or second


def _default_value(qtype: QType, text: str) -> Any:
    """An XLSForm default cell as our YAML value (the loader checks it)."""
    if qtype is QType.INTEGER and re.fullmatch(r"-?\d+", text):
        return int(text)
    if qtype is QType.DECIMAL:
        try:
            return float(text)
        except ValueError:
            return text
    if qtype is QType.MULTIPLE_CHOICE:
        return text.split()
    return text


def _sorted(problems: list[XLSFormProblem]) -> list[XLSFormProblem]:
    order = {"": 0, SETTINGS: 1, SURVEY: 2, CHOICES: 3}
    return sorted(problems, key=lambda p: (order.get(p.sheet, 9), p.row or 0))


class _Dumper(yaml.SafeDumper):
    """Safe YAML as a person would write it: no anchors, short choices on one line."""

    def ignore_aliases(self, data: Any) -> bool:
        return True  # the loader refuses aliases; repeated texts are written out again


def _represent_dict(dumper: _Dumper, data: dict[str, Any]) -> yaml.Node:
    """A choice (``{value: "1", label: ...}``) goes on one line when it fits in about 90
    characters, as in the format spec; everything else follows the dumper's style."""
    flow = None
    if list(data) == ["value", "label"]:
        one_line = yaml.safe_dump(data, allow_unicode=True, sort_keys=False,
                                  default_flow_style=True, width=1_000_000)
        flow = len(one_line) <= 90
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=flow)


_Dumper.add_representer(dict, _represent_dict)


def _dump(mapping: dict[str, Any], source_name: str) -> str:
    body = yaml.dump(mapping, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     default_flow_style=False, width=100)
    return (f"# Imported from the XLSForm {source_name}. Check it (audience, titles, "
            "translations),\n# then run: survey-app surveys sync\n\n" + body)


def _line_origins(yaml_text: str, mapping: Any, origins: dict[int, Origin],
                  ) -> list[tuple[int, int, Origin]]:
    """(first line, line after the end, origin) of every YAML node built from a sheet row.

    The dumped text is composed again and walked side by side with the mapping, so a loader
    problem's line leads back to the row the node came from. Lines count from 1.
    """
    result: list[tuple[int, int, Origin]] = []

    def walk(value: Any, node: yaml.Node, start: int) -> None:
        # ``start``: the property name's line for a mapping entry (the loader reports that
        # one), the node's own line for a list item.
        origin = origins.get(id(value))
        if origin is not None:
            end = node.end_mark.line + (1 if node.end_mark.column > 0 else 0)
            result.append((start + 1, max(end, start + 1) + 1, origin))
        if isinstance(value, dict) and isinstance(node, yaml.MappingNode):
            for (key_node, value_node), item in zip(node.value, value.values(), strict=False):
                walk(item, value_node, key_node.start_mark.line)
        elif isinstance(value, list) and isinstance(node, yaml.SequenceNode):
            for value_node, item in zip(node.value, value, strict=False):
                walk(item, value_node, value_node.start_mark.line)

    root = yaml.compose(yaml_text, Loader=yaml.SafeLoader)
    if root is not None:
        walk(mapping, root, 0)
    return result


def import_xlsform(source: Path | str | bytes, key: str, *,
                   audience: str | None = None) -> ImportResult:
    """Read an XLSForm workbook (a path or the file's bytes) as survey ``key``.

    Returns the YAML-ready mapping, its YAML text and the warnings (things left out or
    guessed); raises :class:`XLSFormError` listing every problem, with sheet and row, when the
    form cannot be imported. ``audience`` overrides the settings sheet's ``audience`` column.
    Nothing is written.
    """
    warnings: list[XLSFormProblem] = []
    sheets = _Reader(warnings).read(source)
    # The name goes into a YAML comment line: no line breaks in it.
    name = "(bytes)" if isinstance(source, bytes) else " ".join(Path(source).name.split())
    return _Importer(sheets, key, audience, warnings).run(name)


# --------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------

_LANGUAGES = (("vi", VI_LANGUAGE), ("en", EN_LANGUAGE))
_SURVEY_HEADER = [
    "type", "name",
    *(f"label::{name}" for _code, name in _LANGUAGES),
    *(f"hint::{name}" for _code, name in _LANGUAGES),
    "required", "relevant", "constraint",
    *(f"constraint_message::{name}" for _code, name in _LANGUAGES),
    "default", "appearance",
]
_CHOICES_HEADER = ["list_name", "name", *(f"label::{name}" for _code, name in _LANGUAGES)]


def _text_cells(column: str, text: Text | None) -> dict[str, str]:
    if text is None:
        return {}
    return {f"{column}::{name}": getattr(text, code) for code, name in _LANGUAGES
            if getattr(text, code)}


class _Exporter:
    def __init__(self, definition: Definition) -> None:
        self.definition = definition
        self.taken: set[str] = {s.key for s in definition.sections}
        for question in definition.all_questions():
            self.taken.add(question.key)
            self.taken.update(row.key for row in question.rows)
        self.renames: dict[str, str] = {}
        for question in definition.all_questions():
            if question.type is QType.INDICATOR:
                self.renames[f"{question.key}.{BASELINE}"] = self.fresh(
                    f"{question.key}_{BASELINE}", self.taken)
                self.renames[question.key] = self.fresh(f"{question.key}_current", self.taken)
        self.lists: dict[str, tuple[Choice, ...]] = dict(definition.choice_lists)
        self.survey: list[dict[str, Any]] = []

    @staticmethod
    def fresh(name: str, taken: set[str]) -> str:
        """``name``, or ``name_2``, ``name_3``... whichever is free; then it is taken."""
        candidate, number = name, 1
        while candidate in taken:
            number += 1
            candidate = f"{name}_{number}"
        taken.add(candidate)
        return candidate

    def expression(self, expr: Expr | None) -> str:
        return rewrite_references(expr.text, self.renames) if expr is not None else ""

    def list_for(self, question: Question) -> str:
        """The choices-sheet list of a choice question, adding generated lists as needed."""
        if question.choice_list and question.choice_list in self.lists:
            return question.choice_list
        if question.type is QType.YES_NO:
            wanted = "yes_no"
        elif question.type is QType.RATING:
            wanted = f"{question.key}_scale"
        else:
            wanted = f"{question.key}_choices"
        number, name = 1, wanted
        while name in self.lists and self.lists[name] != question.choices:
            number += 1
            name = f"{wanted}_{number}"
        self.lists[name] = question.choices
        return name

    def constraint(self, question: Question) -> str:
        terms = []
        if question.type in (QType.INTEGER, QType.DECIMAL, QType.INDICATOR):
            if question.min is not None:
                terms.append(f". >= {_number_text(question.min)}")
            if question.max is not None:
                terms.append(f". <= {_number_text(question.max)}")
        if (question.type in DEFAULT_MAX_LENGTH and question.max_length is not None
                and question.max_length != DEFAULT_MAX_LENGTH[question.type]):
            terms.append(f"string-length(.) <= {question.max_length}")
        own = self.expression(question.constraint)
        if own and terms:
            own = f"({own})"
        return " and ".join([own, *terms] if own else terms)

    def add(self, row_type: str, name: str = "", **cells: Any) -> None:
        row = {"type": row_type, "name": name}
        row.update({column: value for column, value in cells.items() if value not in ("", None)})
        self.survey.append(row)

    def base_cells(self, question: Question, *, with_constraint: bool = True) -> dict[str, Any]:
        cells: dict[str, Any] = {**_text_cells("label", question.label),
                                 **_text_cells("hint", question.hint),
                                 "relevant": self.expression(question.relevant)}
        if question.required:
            cells["required"] = "yes"
        if with_constraint:
            constraint = self.constraint(question)
            cells["constraint"] = constraint
            if constraint:
                cells |= _text_cells("constraint_message", question.constraint_message)
        if question.default is not None:
            cells["default"] = _default_text(question.default)
        return cells

    def question(self, question: Question) -> None:
        qtype = question.type
        if qtype is QType.REPEAT:
            self.add("begin_repeat", question.key, **self.base_cells(
                question, with_constraint=False))
            for child in question.questions:
                self.question(child)
            self.add("end_repeat")
        elif qtype is QType.MATRIX:
            list_name = self.list_for(question)
            group = {**_text_cells("label", question.label), **_text_cells("hint", question.hint),
                     "relevant": self.expression(question.relevant), "appearance": "table-list"}
            self.add("begin_group", question.key, **group)
            constraint = self.constraint(question)
            for row in question.rows:
                cells: dict[str, Any] = {**_text_cells("label", row.label),
                                         "constraint": constraint}
                if question.required:
                    cells["required"] = "yes"
                if constraint:
                    cells |= _text_cells("constraint_message", question.constraint_message)
                self.add(f"select_one {list_name}", row.key, **cells)
            self.add("end_group")
        elif qtype is QType.INDICATOR:
            self.indicator(question)
        else:
            cells = self.base_cells(question)
            if qtype in (QType.TEXT, QType.LONG_TEXT, QType.PHONE):
                row_type = "text"
                if qtype is QType.LONG_TEXT:
                    cells["appearance"] = "multiline"
            elif qtype is QType.MULTIPLE_CHOICE:
                row_type = f"select_multiple {self.list_for(question)}"
            elif question.is_choice:
                row_type = f"select_one {self.list_for(question)}"
            else:
                row_type = qtype.value
            self.add(row_type, question.key, **cells)

    def indicator(self, question: Question) -> None:
        """A field-list group with the two numbers (see the module docstring)."""
        group = {**_text_cells("label", question.label), **_text_cells("hint", question.hint),
                 "relevant": self.expression(question.relevant), "appearance": "field-list"}
        self.add("begin_group", question.key, **group)
        constraint = self.constraint(question)
        parts = ((f"{question.key}.{BASELINE}", question.baseline_label or DEFAULT_BASELINE_LABEL),
                 (question.key, question.current_label or DEFAULT_CURRENT_LABEL))
        for field_name, label in parts:
            if question.unit is not None:
                label = Text(f"{label.vi} ({question.unit.vi})",
                             f"{label.en} ({question.unit.en or question.unit.vi})"
                             if label.en else None)
            cells: dict[str, Any] = {**_text_cells("label", label), "constraint": constraint}
            if question.required:
                cells["required"] = "yes"
            if constraint:
                cells |= _text_cells("constraint_message", question.constraint_message)
            row_type = "integer" if question.is_integer else "decimal"
            self.add(row_type, self.renames[field_name], **cells)
        self.add("end_group")

    def section(self, section: Section) -> None:
        cells = {**_text_cells("label", section.title),
                 **_text_cells("hint", section.description),
                 "relevant": self.expression(section.relevant), "area": section.area}
        self.add("begin_group", section.key, **cells)
        for question in section.questions:
            self.question(question)
        self.add("end_group")

    def workbook(self) -> bytes:
        for section in self.definition.sections:
            self.section(section)
        header = list(_SURVEY_HEADER)
        if any(section.area for section in self.definition.sections):
            header.append("area")
        definition = self.definition
        choices = [
            {"list_name": name, "name": choice.value, **_text_cells("label", choice.label)}
            for name, items in self.lists.items() for choice in items
        ]
        settings = {"form_title": definition.title.vi, "form_id": definition.key,
                    "version": definition.content_hash[:10], "default_language": VI_LANGUAGE,
                    "audience": definition.audience.value}
        if definition.title.en:
            # Not "form_title::English (en)": pyxform fails on translated settings columns.
            settings[TITLE_EN] = definition.title.en
        book = Workbook()
        book.remove(book.active)
        for name, columns, rows in ((SURVEY, header, self.survey),
                                    (CHOICES, _CHOICES_HEADER, choices),
                                    (SETTINGS, list(settings), [settings])):
            sheet = book.create_sheet(name)
            sheet.append(safe_row(sheet, columns))
            for row in rows:
                sheet.append(safe_row(sheet, [row.get(column, None) or None for column in columns]))
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


def _default_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return " ".join(str(item) for item in value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number_text(value)
    return str(value)


def export_xlsform(definition: Definition) -> bytes:
    """The definition as an XLSForm workbook (.xlsx bytes), for ODK tools or Excel."""
    return _Exporter(definition).workbook()
