"""What the form pages need from a definition: field names, repeat rows, the JSON the
browser's skip logic reads. Pure Python: the templates and the views call it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from survey_app.surveys.model import BASELINE, Definition, QType, Question, Text
from survey_app.surveys.numbers import input_text

_REPEAT_FIELD = re.compile(r"^([a-z][a-z0-9_]*)\.(\d{1,3})\.([a-z][a-z0-9_]*)$")


def field_id(name: str) -> str:
    """An HTML id for a field name (dots are awkward in CSS selectors)."""
    return "f-" + name.replace(".", "-")


def text(value: Text | None, locale: str) -> str:
    return value.get(locale) if value is not None else ""


def form_lists(form: Any) -> dict[str, list[str]]:
    """Every submitted value as a list, from a MultiDict or a plain mapping."""
    if hasattr(form, "getlist"):
        return {name: form.getlist(name) for name in form}
    return {k: (list(v) if isinstance(v, list | tuple) else [v]) for k, v in form.items()}


def compact_repeats(definition: Definition, form: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Drop repeat rows in which nothing was typed and number the rest 0, 1, 2...

    A phone shows an empty row ready to fill; leaving it empty must not count as a row.
    """
    repeats = {q.key: q for q in definition.questions() if q.type is QType.REPEAT}
    rows: dict[str, dict[int, dict[str, list[str]]]] = {}
    result: dict[str, list[str]] = {}
    for name, values in form.items():
        match = _REPEAT_FIELD.match(name)
        if match and match.group(1) in repeats:
            key, index, child = match.group(1), int(match.group(2)), match.group(3)
            rows.setdefault(key, {}).setdefault(index, {})[child] = values
        else:
            result[name] = values
    for key, by_index in rows.items():
        kept = [
            fields
            for _, fields in sorted(by_index.items())
            if any(v.strip() for values in fields.values() for v in values)
        ]
        for new_index, fields in enumerate(kept):
            for child, values in fields.items():
                result[f"{key}.{new_index}.{child}"] = values
    return result


def repeat_row_count(question: Question, values: Mapping[str, list[str]]) -> int:
    """How many rows to show: those with values, at least ``min_rows``, and at least one."""
    return min(max(stored_row_count(question, values), question.min_rows, 1), question.max_rows)


def stored_row_count(question: Question, values: Mapping[str, list[str]]) -> int:
    """How many rows of a repeat ``values`` hold (0 when none; a stored response shows them)."""
    prefix = question.key + "."
    indexes = [
        int(name.split(".")[1])
        for name in values
        if name.startswith(prefix) and _REPEAT_FIELD.match(name)
    ]
    return max(indexes, default=-1) + 1


def default_values(definition: Definition) -> dict[str, list[str]]:
    """The definition's defaults as submitted values, to fill a new form."""
    values: dict[str, list[str]] = {}
    for question in definition.questions():
        if question.default is None or question.type in (QType.REPEAT, QType.NOTE):
            continue
        default = question.default
        if isinstance(default, list):
            values[question.key] = [str(v) for v in default]
        elif isinstance(default, bool):
            values[question.key] = ["yes" if default else "no"]
        elif isinstance(default, int | float):
            values[question.key] = [input_text(default)]  # 1.125 must not come back as 1125
        else:
            values[question.key] = [str(default)]
    return values


def _field_rules(question: Question, locale: str, section: str, repeat: str | None) -> dict:
    rules: dict[str, Any] = {"type": question.type.value, "section": section}
    if repeat:
        rules["repeat"] = repeat
    if question.required:
        rules["required"] = True
    if question.relevant:
        rules["relevant"] = question.relevant.tree
    if question.constraint:
        rules["constraint"] = question.constraint.tree
        if question.constraint_message:
            rules["constraintMessage"] = question.constraint_message.get(locale)
    for name in ("min", "max"):
        if getattr(question, name) is not None:
            rules[name] = getattr(question, name)
    if question.max_length:
        rules["maxLength"] = question.max_length
    if question.choices and question.type is not QType.MATRIX:
        rules["choices"] = [c.value for c in question.choices]
    return rules


def client_schema(definition: Definition, locale: str) -> dict:
    """The rules the browser enforces live (the server checks them again on submit).

    Fields are keyed by question key; matrix rows and indicator parts become fields of
    their own, repeat children keep their key and name their repeat.
    """
    fields: dict[str, dict] = {}
    sections = []
    for section in definition.sections:
        sections.append(
            {
                "key": section.key,
                **({"relevant": section.relevant.tree} if section.relevant else {}),
            }
        )
        for question in section.questions:
            _add_fields(fields, question, locale, section.key, None)
            for child in question.questions:
                _add_fields(fields, child, locale, section.key, question.key)
    return {
        "key": definition.key,
        "layout": definition.layout,
        "sections": sections,
        "fields": fields,
    }


def _add_fields(
    fields: dict, question: Question, locale: str, section: str, repeat: str | None
) -> None:
    rules = _field_rules(question, locale, section, repeat)
    if question.type is QType.MATRIX:
        choices = [c.value for c in question.choices]
        for row in question.rows:
            fields[row.key] = {
                **rules,
                "type": "matrix_row",
                "choices": choices,
                "question": question.key,
            }
    elif question.type is QType.INDICATOR:
        kind = "integer" if question.is_integer else "decimal"
        fields[f"{question.key}.{BASELINE}"] = {**rules, "type": kind, "question": question.key}
        fields[question.key] = {**rules, "type": kind, "question": question.key}
    else:
        fields[question.key] = rules
