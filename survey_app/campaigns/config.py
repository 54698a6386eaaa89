"""Campaign files: YAML text in, ``CampaignConfig`` out (pure: no Flask app, no database).

A campaign file (``surveys/campaigns/KEY.yaml``, format in surveys/README.md) is checked the
way survey definitions are: YAML read with line numbers, ``surveys/campaign.schema.json``
for the shape, then what a schema cannot say (real dates, their order, deadlines inside the
campaign). Every problem names the file, the line and what is wrong, all in one go.

What the file refers to in the database (survey keys, department codes) is checked when it is
synced (``campaigns.services``), since only the database knows them.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from flask_babel import gettext as _
from jsonschema import Draft202012Validator

from survey_app.surveys.loader import (
    MAX_SIZE,
    _Document,
    _Problems,
    _read_yaml,
    _SchemaCheck,
    content_hash,
    read_text_file,
)
from survey_app.surveys.model import Text

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "surveys" / "campaign.schema.json"

#: What each survey of a campaign is used for, and the audience it must have.
SURVEY_ROLES = ("inspection", "unit_report", "worker_poll")


@dataclass(frozen=True)
class Quota:
    """At least ``min`` visits to units of ``kinds`` (whose parent is ``parent_kind``)."""

    label: Text
    kinds: tuple[str, ...]
    min: int
    parent_kind: str | None = None

    def counts(self, kind: str, parent_kind: str | None) -> bool:
        """Whether a visit to a unit of ``kind`` under a ``parent_kind`` counts here."""
        if kind not in self.kinds:
            return False
        return self.parent_kind is None or self.parent_kind == parent_kind


@dataclass(frozen=True)
class CampaignConfig:
    key: str
    name: Text
    resolution: str
    starts: date
    ends: date
    #: unit kind -> the day its report is due; kinds not here owe no report
    deadlines: Mapping[str, date]
    report_to_national: date | None
    grace_days: int
    #: content area ("1.3") -> owning department code
    content_areas: Mapping[str, str]
    #: "inspection" / "unit_report" / "worker_poll" -> survey key
    surveys: Mapping[str, str]
    window_start: date
    window_end: date
    quotas: tuple[Quota, ...]
    #: The file's content as plain JSON (what is stored and what copies start from)
    data: Mapping[str, Any]
    content_hash: str

    def deadline_for(self, kind: str) -> date | None:
        return self.deadlines.get(kind)

    def in_window(self, day: date) -> bool:
        return self.window_start <= day <= self.window_end


def load_campaign(
    text: str, source: str = "<string>", *, expected_key: str | None = None
) -> CampaignConfig:
    """Parse and check campaign text; return the config or raise DefinitionError."""
    problems = _Problems(source)
    if len(text) > MAX_SIZE:
        problems.add(
            None, None, _("The file is too large (more than %(limit)d characters).", limit=MAX_SIZE)
        )
        raise problems.error()
    document = _read_yaml(text, problems)
    if document is None:
        raise problems.error()
    if not isinstance(document.data, dict):
        problems.add(
            1,
            None,
            _("The file must describe one campaign: properties such as key, name and deadlines."),
        )
        raise problems.error()
    _SchemaCheck(document, problems, _validator()).run()
    config = _Builder(document, problems, expected_key).build()
    if config is None and not problems:  # a gap in the checks
        problems.add(None, None, _("The campaign could not be loaded."))
    if config is None or problems:
        raise problems.error()
    return config


def load_campaign_file(path: Path) -> CampaignConfig:
    """Load a campaign file; its key must be the file name without extension."""
    return load_campaign(read_text_file(path), str(path), expected_key=path.stem)


def from_data(data: Mapping[str, Any], source: str = "<stored>") -> CampaignConfig:
    """The config of data already checked and stored (``Campaign.config``)."""
    text = yaml.safe_dump(dict(data), allow_unicode=True, sort_keys=False)
    return _cached(text, source)


@functools.lru_cache(maxsize=64)
def _cached(text: str, source: str) -> CampaignConfig:
    return load_campaign(text, source)


def as_yaml(data: Mapping[str, Any]) -> str:
    """Campaign data written back as YAML (a copy made in the admin pages starts from it)."""
    return yaml.safe_dump(dict(data), allow_unicode=True, sort_keys=False, width=100)


@functools.cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


class _Builder:
    """Semantic checks, then the dataclass. Never trusts the shape (the schema may have
    found problems and we carry on to report more)."""

    def __init__(self, document: _Document, problems: _Problems, expected_key: str | None):
        self.document = document
        self.problems = problems
        self.expected_key = expected_key
        self.data: dict[str, Any] = document.data

    def add(self, path: tuple, message: str) -> None:
        if not self.document.is_refused(path):
            self.problems.add(self.document.line(path), None, message)

    def date(self, path: tuple) -> date | None:
        value = self.document.at(path)
        if value is None:
            return None  # missing: the schema said so
        try:
            if not isinstance(value, str) or len(value) != 10:
                raise ValueError
            return date.fromisoformat(value)
        except ValueError:
            self.add(
                path,
                _(
                    "“%(name)s” must be a real day written YYYY-MM-DD, e.g. 2017-10-05 "
                    "(it is “%(value)s”).",
                    name=str(path[-1]),
                    value=str(value)[:40],
                ),
            )
            return None

    def text(self, value: Any) -> Text | None:
        if isinstance(value, str) and value.strip():
            return Text(vi=value.strip())
        if isinstance(value, dict) and isinstance(value.get("vi"), str) and value["vi"].strip():
            en = value.get("en")
            return Text(vi=value["vi"].strip(), en=en.strip() if isinstance(en, str) and en.strip()
                        else None)
        return None

    def build(self) -> CampaignConfig | None:
        data = self.data
        key = data.get("key")
        if self.expected_key is not None and isinstance(key, str) and key != self.expected_key:
            self.add(
                ("key",),
                _(
                    "The key “%(key)s” must be the file name without .yaml (“%(expected)s”).",
                    key=key,
                    expected=self.expected_key,
                ),
            )
        starts, ends = self.date(("starts",)), self.date(("ends",))
        if starts and ends and ends < starts:
            self.add(("ends",), _("The campaign ends before it starts."))
        deadlines = {}
        raw_deadlines = data.get("deadlines")
        if isinstance(raw_deadlines, dict):
            for kind in raw_deadlines:
                day = self.date(("deadlines", kind))
                if day is None:
                    continue
                deadlines[kind] = day
                if starts and day < starts:
                    self.add(
                        ("deadlines", kind),
                        _("The deadline for “%(kind)s” is before the campaign starts.", kind=kind),
                    )
        national = self.date(("report_to_national",)) if "report_to_national" in data else None
        if national and deadlines and national < max(deadlines.values()):
            self.add(
                ("report_to_national",),
                _("The report to the national level is due before the last unit deadline."),
            )
        areas = {}
        raw_areas = data.get("content_areas")
        if isinstance(raw_areas, dict):
            for area, department in raw_areas.items():
                if not _is_area(area):
                    self.add(
                        ("content_areas", area),
                        _("“%(area)s” is not a content area number like 1.3.", area=area[:40]),
                    )
                elif isinstance(department, str):
                    if not _is_code(department):
                        self.add(
                            ("content_areas", area),
                            _(
                                "“%(code)s” is not a department code (capital letters, digits "
                                "and _, e.g. CSPL).",
                                code=department[:40],
                            ),
                        )
                    areas[area] = department
        inspection = data.get("inspection") if isinstance(data.get("inspection"), dict) else {}
        window_start = self.date(("inspection", "window", "start"))
        window_end = self.date(("inspection", "window", "end"))
        if window_start and window_end:
            if window_end < window_start:
                self.add(
                    ("inspection", "window", "end"),
                    _("The inspection window ends before it starts."),
                )
            elif starts and ends and (window_start < starts or window_end > ends):
                self.add(
                    ("inspection", "window"),
                    _("The inspection window must lie inside the campaign's dates."),
                )
        quotas = []
        for index, raw in enumerate(inspection.get("quotas") or []):
            if not isinstance(raw, dict):
                continue
            label, kinds, minimum = self.text(raw.get("label")), raw.get("kinds"), raw.get("min")
            if label is None or not isinstance(kinds, list) or not isinstance(minimum, int):
                continue
            if len(set(kinds)) != len(kinds):
                self.add(
                    ("inspection", "quotas", index, "kinds"), _("A unit kind is listed twice.")
                )
            quotas.append(
                Quota(label=label, kinds=tuple(kinds), min=minimum,
                      parent_kind=raw.get("parent_kind"))
            )
        labels = [q.label.vi for q in quotas]
        for index, label in enumerate(labels):
            if label in labels[:index]:
                self.add(
                    ("inspection", "quotas", index, "label"),
                    _("Two quota rules are called “%(label)s”.", label=label),
                )
        name = self.text(data.get("name"))
        grace = data.get("grace_days", 0)
        surveys = data.get("surveys") if isinstance(data.get("surveys"), dict) else {}
        if self.problems or None in (starts, ends, window_start, window_end, name):
            return None
        return CampaignConfig(
            key=key,
            name=name,
            resolution=str(data.get("resolution", "")).strip(),
            starts=starts,
            ends=ends,
            deadlines=MappingProxyType(deadlines),
            report_to_national=national,
            grace_days=grace if isinstance(grace, int) else 0,
            content_areas=MappingProxyType(areas),
            surveys=MappingProxyType({k: v for k, v in surveys.items() if isinstance(v, str)}),
            window_start=window_start,
            window_end=window_end,
            quotas=tuple(quotas),
            data=MappingProxyType(data),
            content_hash=content_hash(data),
        )


def _is_area(text: str) -> bool:
    parts = text.split(".")
    return 1 <= len(parts) <= 2 and all(p.isdigit() and p.isascii() and len(p) <= 2 for p in parts)


def _is_code(text: str) -> bool:
    return (
        0 < len(text) <= 40
        and text[0].isascii()
        and text[0].isupper()
        and all(c.isascii() and (c.isupper() or c.isdigit() or c == "_") for c in text)
    )
