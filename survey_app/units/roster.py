"""The unit roster as XLSX: header row ``code``, ``name``, ``kind``, ``parent_code``.

Import adds new codes and updates existing ones, never deletes, and is refused whole when any
row is wrong: every problem is listed with its row (and column) and nothing is saved.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import yaml
from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.models import audit
from survey_app.models.units import (
    CODE_MAX_LENGTH,
    CODE_RULE_MESSAGE,
    Unit,
    UnitKind,
    is_valid_code,
    may_sit_under,
)
from survey_app.surveys.sheets import safe_row

COLUMNS = ("code", "name", "kind", "parent_code")
SHIPPED_ROSTER = Path(__file__).resolve().parent.parent / "data" / "units_kontum.yaml"


@dataclass(frozen=True)
class Problem:
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(_("row %(row)d", row=self.row))
        if self.column:
            where.append(_("column %(column)s", column=self.column))
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass(frozen=True)
class RosterRow:
    row: int
    code: str
    name: str
    kind: str
    parent_code: str | None


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


class RosterInvalid(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s) in the roster")
        self.problems = problems


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_xlsx(stream: IO[bytes] | bytes | Path) -> list[RosterRow]:
    """Parse the first sheet into rows; raise RosterInvalid for a file that is not a roster."""
    if isinstance(stream, bytes):
        stream = io.BytesIO(stream)
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise RosterInvalid(
            [Problem(None, None, _("The file is not an Excel workbook (.xlsx)."))]
        ) from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [_cell_text(v).lower() for v in next(rows, ())]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise RosterInvalid(
                [
                    Problem(1, column, _("The header row has no column “%(c)s”.", c=column))
                    for column in missing
                ]
            )
        index = {c: header.index(c) for c in COLUMNS}
        parsed = []
        for number, values in enumerate(rows, start=2):
            cells = {c: _cell_text(values[i]) if i < len(values) else "" for c, i in index.items()}
            if not any(cells.values()):
                continue
            parsed.append(
                RosterRow(
                    number,
                    cells["code"],
                    cells["name"],
                    cells["kind"],
                    cells["parent_code"] or None,
                )
            )
        return parsed
    finally:
        workbook.close()


def validate(session: Session, rows: list[RosterRow]) -> list[Problem]:
    """Every problem the rows have, judged against the tree as it would be after import."""
    problems: list[Problem] = []
    kinds = {k.value for k in UnitKind}
    first_row: dict[str, int] = {}
    for r in rows:
        if not r.code:
            problems.append(Problem(r.row, "code", _("The code is empty.")))
        elif len(r.code) > CODE_MAX_LENGTH:
            problems.append(Problem(r.row, "code", _("The code is longer than 40 characters.")))
        elif not is_valid_code(r.code):
            # the unit form's rule: a code names files in posters.zip and stands in URLs
            problems.append(Problem(r.row, "code", str(CODE_RULE_MESSAGE)))
        elif r.code in first_row:
            problems.append(
                Problem(
                    r.row,
                    "code",
                    _(
                        "The code %(code)s is already used on row %(first)d.",
                        code=r.code,
                        first=first_row[r.code],
                    ),
                )
            )
        else:
            first_row[r.code] = r.row
        if not r.name:
            problems.append(Problem(r.row, "name", _("The name is empty.")))
        elif len(r.name) > 200:
            problems.append(Problem(r.row, "name", _("The name is longer than 200 characters.")))
        if r.kind not in kinds:
            problems.append(
                Problem(
                    r.row,
                    "kind",
                    _(
                        "Unknown kind “%(kind)s”; use one of: %(kinds)s.",
                        kind=r.kind,
                        kinds=", ".join(kinds),
                    ),
                )
            )

    # The tree as it would stand: saved units overlaid by the file's rows.
    existing = _existing_tree(session)
    tree = dict(existing)
    for r in rows:
        if r.code and first_row.get(r.code) == r.row:
            tree[r.code] = (r.kind, r.parent_code)
    file_rows = {r.code: r for r in rows if r.code and first_row.get(r.code) == r.row}

    for r in file_rows.values():
        if r.parent_code is None:
            parent_kind = None
        elif r.parent_code not in tree:
            problems.append(
                Problem(
                    r.row, "parent_code", _("Unknown parent code %(code)s.", code=r.parent_code)
                )
            )
            continue
        else:
            parent_kind = tree[r.parent_code][0]
        if r.kind in kinds and (parent_kind is None or parent_kind in kinds):
            kind, pkind = UnitKind(r.kind), UnitKind(parent_kind) if parent_kind else None
            if not may_sit_under(kind, pkind):
                problems.append(
                    Problem(r.row, "parent_code" if pkind else "kind", _kind_problem(kind, pkind))
                )
    # Saved units that stay put but whose parent's kind the file changes.
    for code, (kind, parent_code) in existing.items():
        if code in file_rows or parent_code not in file_rows:
            continue
        parent_row = file_rows[parent_code]
        if parent_row.kind in kinds and not may_sit_under(
            UnitKind(kind), UnitKind(parent_row.kind)
        ):
            problems.append(
                Problem(
                    parent_row.row,
                    "kind",
                    _(
                        "The saved unit %(child)s could not sit under this unit with that kind.",
                        child=code,
                    ),
                )
            )
    problems.extend(_cycles(tree, file_rows))
    return sorted(
        problems, key=lambda p: (p.row or 0, COLUMNS.index(p.column) if p.column in COLUMNS else 9)
    )


def _existing_tree(session: Session) -> dict[str, tuple[str, str | None]]:
    units = list(session.execute(select(Unit.id, Unit.code, Unit.kind, Unit.parent_id)))
    code_of = {uid: code for uid, code, _kind, _parent in units}
    return {code: (kind, code_of.get(parent)) for _uid, code, kind, parent in units}


def _cycles(
    tree: dict[str, tuple[str, str | None]], file_rows: dict[str, RosterRow]
) -> list[Problem]:
    problems, reported = [], set()
    for start, row in file_rows.items():
        path, seen, code = [], set(), start
        while code is not None and code in tree and code not in seen:
            seen.add(code)
            path.append(code)
            code = tree[code][1]
        if code is None or code not in seen:
            continue
        cycle = path[path.index(code) :]
        key = frozenset(cycle)
        if key in reported or start not in key:
            continue
        reported.add(key)
        shown = " → ".join([*cycle, cycle[0]])
        problems.append(
            Problem(
                row.row,
                "parent_code",
                _("These units would be their own parents: %(cycle)s.", cycle=shown),
            )
        )
    return problems


def _kind_problem(kind: UnitKind, parent_kind: UnitKind | None) -> str:
    if parent_kind is None:
        return _("A unit of kind “%(kind)s” needs a parent code.", kind=kind.value)
    return _(
        "A unit of kind “%(kind)s” cannot sit under a unit of kind “%(parent)s”.",
        kind=kind.value,
        parent=parent_kind.value,
    )


def apply(session: Session, rows: list[RosterRow], *, actor=None) -> ImportResult:
    """Validate then save ``rows`` (parents first); raise RosterInvalid and save nothing."""
    problems = validate(session, rows)
    if problems:
        raise RosterInvalid(problems)
    by_code = {u.code: u for u in session.scalars(select(Unit))}
    pending = {r.code: r for r in rows}
    created = updated = unchanged = 0
    while pending:
        ready = [
            r for r in pending.values() if r.parent_code is None or r.parent_code not in pending
        ]
        for r in ready:
            del pending[r.code]
            parent = by_code[r.parent_code] if r.parent_code else None
            unit = by_code.get(r.code)
            if unit is None:
                unit = Unit(code=r.code, name=r.name, kind=r.kind, parent=parent)
                session.add(unit)
                by_code[r.code] = unit
                created += 1
            elif (unit.name, unit.kind, unit.parent_id) != (
                r.name,
                r.kind,
                parent.id if parent else None,
            ):
                unit.name, unit.kind, unit.parent = r.name, r.kind, parent
                updated += 1
            else:
                unchanged += 1
        session.flush()
    result = ImportResult(created, updated, unchanged)
    if result.changed:
        audit.record(session, "units.import", actor=actor, created=created, updated=updated)
    return result


def export_xlsx(session: Session) -> bytes:
    """The whole roster, parents before children, in the import format."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "units"
    sheet.append(safe_row(sheet, COLUMNS, bold=True))
    for code, name, kind, parent_code in tree_order(session):
        sheet.append(safe_row(sheet, [code, name, kind, parent_code]))
    for column, width in zip("ABCD", (18, 60, 18, 18), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    help_sheet = workbook.create_sheet("kinds")
    help_sheet.append(safe_row(help_sheet, ["kind", "label"], bold=True))
    for kind in UnitKind:
        help_sheet.append(safe_row(help_sheet, [kind.value, kind.label]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def tree_order(session: Session) -> list[tuple[str, str, str, str | None]]:
    units = list(
        session.execute(
            select(Unit.id, Unit.code, Unit.name, Unit.kind, Unit.parent_id).order_by(Unit.code)
        )
    )
    code_of = {u.id: u.code for u in units}
    children: dict[int | None, list] = {}
    for u in units:
        children.setdefault(u.parent_id, []).append(u)
    ordered, queue = [], list(children.get(None, []))
    while queue:
        u = queue.pop(0)
        ordered.append((u.code, u.name, u.kind, code_of.get(u.parent_id)))
        queue.extend(children.get(u.id, []))
    return ordered


def shipped_rows(path: Path = SHIPPED_ROSTER) -> list[RosterRow]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        RosterRow(i, str(item["code"]), item["name"], item["kind"], item.get("parent_code"))
        for i, item in enumerate(data["units"], start=1)
    ]
