"""The loaded form of a survey definition: plain, immutable dataclasses (no Flask, no DB).

``loader.load_definition`` builds these from YAML; the renderer, the validator, XLSForm
export and storage read them. Expressions are kept both as text (for people and XLSForm)
and as parsed trees (for the Python and JS evaluators).

Field names: every answer a person types has a *field name*, used in HTML forms, in the
answers mapping given to expressions, and (split up) in storage:

- a plain question: ``key``;
- a matrix row: the row's own key (rows are questions of their own, as in XLSForm);
- an indicator: ``key.baseline`` and ``key`` (the current value; ``${key}`` reads it);
- a question inside a repeat: ``repeat_key.N.child_key`` (N counts from 0); inside the
  row, ``${child_key}`` reads the same row's answer.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from survey_app.surveys.expressions import Tree

LOCALES = ("vi", "en")


class Audience(StrEnum):
    INSPECTION = "inspection"
    UNIT_REPORT = "unit_report"
    WORKER_POLL = "worker_poll"


class QType(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    PHONE = "phone"
    INTEGER = "integer"
    DECIMAL = "decimal"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    YES_NO = "yes_no"
    RATING = "rating"
    MATRIX = "matrix"
    DATE = "date"
    NOTE = "note"
    INDICATOR = "indicator"
    REPEAT = "repeat"


#: Types whose answer is one of a list of choices (the value stored as ``value_choice``).
CHOICE_TYPES = frozenset(
    {QType.SINGLE_CHOICE, QType.MULTIPLE_CHOICE, QType.YES_NO, QType.RATING, QType.MATRIX}
)
NUMBER_TYPES = frozenset({QType.INTEGER, QType.DECIMAL, QType.INDICATOR})
TEXT_TYPES = frozenset({QType.TEXT, QType.LONG_TEXT})
#: What an indicator's ``number_type`` may say (an integer or decimal question says it by
#: its type).
NUMBER_KINDS = ("integer", "decimal")
CONTENT_AREAS = ("1.1", "1.2", "1.3", "1.4")
BASELINE = "baseline"


@dataclass(frozen=True)
class Text:
    """Text in several languages; Vietnamese is always present."""

    vi: str
    en: str | None = None

    def get(self, locale: str | None) -> str:
        if locale == "en" and self.en:
            return self.en
        return self.vi

    def as_dict(self) -> dict[str, str]:
        return {"vi": self.vi, **({"en": self.en} if self.en else {})}


@dataclass(frozen=True)
class Choice:
    value: str
    label: Text


@dataclass(frozen=True)
class Expr:
    """An expression as written and as parsed."""

    text: str
    tree: Tree


@dataclass(frozen=True)
class MatrixRow:
    key: str
    label: Text


@dataclass(frozen=True)
class Question:
    key: str
    type: QType
    label: Text
    hint: Text | None = None
    required: bool = False
    relevant: Expr | None = None
    constraint: Expr | None = None
    constraint_message: Text | None = None
    default: Any = None
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    #: Name of the shared choice list, if the question used one (kept for XLSForm export).
    choice_list: str | None = None
    #: The resolved choices (choice types; for ``yes_no`` and a rating without a list they
    #: are generated).
    choices: tuple[Choice, ...] = ()
    rows: tuple[MatrixRow, ...] = ()
    unit: Text | None = None
    #: Indicators: ``integer`` (counts: whole numbers only) or ``decimal`` (the default).
    number_type: str | None = None
    baseline_label: Text | None = None
    current_label: Text | None = None
    #: Repeat groups: the questions of one row, and how many rows are allowed.
    questions: tuple[Question, ...] = ()
    min_rows: int = 0
    max_rows: int = 20
    #: Rating scale ends (``min``/``max`` above give the numeric range).
    min_label: Text | None = None
    max_label: Text | None = None
    line: int | None = None

    @property
    def is_choice(self) -> bool:
        return self.type in CHOICE_TYPES

    @property
    def is_year(self) -> bool:
        """An integer that can only be a year (its min and max both have four digits): it is
        written 2015, never with a thousands dot like a count."""
        return (
            self.type is QType.INTEGER
            and self.min is not None
            and self.max is not None
            and 1000 <= self.min <= self.max <= 9999
        )

    @property
    def is_integer(self) -> bool:
        """Whether the answers are whole numbers (an integer question, an integer indicator)."""
        return self.type is QType.INTEGER or (
            self.type is QType.INDICATOR and self.number_type == "integer"
        )

    @functools.cached_property
    def choice_values(self) -> frozenset[str]:
        return frozenset(c.value for c in self.choices)

    def field_names(self) -> list[str]:
        """The field names this question answers with (outside any repeat)."""
        if self.type is QType.NOTE or self.type is QType.REPEAT:
            return []
        if self.type is QType.MATRIX:
            return [row.key for row in self.rows]
        if self.type is QType.INDICATOR:
            return [f"{self.key}.{BASELINE}", self.key]
        return [self.key]


@dataclass(frozen=True)
class Section:
    key: str
    title: Text
    area: str | None = None
    relevant: Expr | None = None
    description: Text | None = None
    questions: tuple[Question, ...] = ()
    line: int | None = None


@dataclass(frozen=True)
class Definition:
    key: str
    title: Text
    audience: Audience
    sections: tuple[Section, ...]
    description: Text | None = None
    #: ``pages`` (one section a page on phones) or ``single`` (one long page).
    layout: str = "pages"
    choice_lists: dict[str, tuple[Choice, ...]] = field(default_factory=dict)
    #: sha256 of the canonical JSON of the definition as loaded; a changed hash is a new
    #: version once responses exist.
    content_hash: str = ""
    source: str | None = None

    def questions(self) -> Iterator[Question]:
        """Every question at the top level of a section (repeats not entered)."""
        for section in self.sections:
            yield from section.questions

    def all_questions(self) -> Iterator[Question]:
        """Every question, including those inside repeat groups."""
        for question in self.questions():
            yield question
            yield from question.questions

    def question(self, key: str) -> Question | None:
        return next((q for q in self.all_questions() if q.key == key), None)
