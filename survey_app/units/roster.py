"""The unit roster as XLSX: the first sheet's header row names the columns ``code``,
``name``, ``kind`` and ``parent_code``, either so or by their headers as the export writes
them in Vietnamese or English ("Mã đơn vị", "Unit code"…); other columns are ignored.
Two more are optional, ``active_from`` and ``active_until`` (the days a unit was set up and
dissolved, dd/mm/yyyy or Excel dates): a file without them leaves those days as they are,
so rosters made before them still import; an empty cell in them clears the day.

Import adds new codes and updates existing ones, never deletes, and is refused whole when any
row is wrong: the problems are listed with their row (and column) and nothing is saved.
A file of a hundred thousand wrong rows is refused in about a second: the sheet is read with
python-calamine, every check is linear, and only the first ``SHOWN_PROBLEMS`` problems are
written out (with the count of the others), never the whole list.
"""

from __future__ import annotations

import heapq
import io
import operator
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import count
from pathlib import Path
from typing import IO

import yaml
from flask_babel import force_locale, format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from python_calamine import CalamineError, CalamineWorkbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app import LOCALES
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
#: Columns a file may leave out (older rosters have none of them).
OPTIONAL_COLUMNS = ("active_from", "active_until")
#: What the export writes over each column (the import also reads these, in both languages).
HEADERS = {
    "code": _l("Unit code"),
    "name": _l("Unit name"),
    "kind": _l("Kind code"),
    "parent_code": _l("Parent unit code"),
    "active_from": _l("Active from"),
    "active_until": _l("Dissolved on"),
}
SHIPPED_ROSTER = Path(__file__).resolve().parent.parent / "data" / "units_kontum.yaml"
#: Problems written out on the page and by the command line; the rest are only counted.
SHOWN_PROBLEMS = 50
#: Unpacked size of a workbook beyond which it is not read (a roster of 100,000 units is
#: about 10 MB unpacked; a small upload could otherwise unpack to gigabytes).
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
#: How much of a cell's text a problem quotes.
QUOTED_CHARS = 40


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
        return f"{', '.join(where)}: {self.message}" if where else str(self.message)


class Problems:
    """The first ``limit`` problems in row order, and how many there are in all.

    Messages may be lazy strings: only those kept are ever translated and formatted, so a
    file with a problem on each of 100,000 rows costs a counter, not 100,000 messages.
    """

    def __init__(self, limit: int = SHOWN_PROBLEMS, names: dict[str, str] | None = None):
        self.limit = limit
        self.names = names or {}  # column key -> its header in the file
        self.total = 0
        self._heap: list[tuple] = []  # (-row, -column order, -sequence, Problem): a max-heap
        self._sequence = count()

    def add(self, row: int | None, column: str | None, message) -> None:
        self.total += 1
        order = ALL_COLUMNS.index(column) if column in ALL_COLUMNS else len(ALL_COLUMNS)
        key = (-(row or 0), -order, -next(self._sequence))
        if len(self._heap) < self.limit:
            heapq.heappush(self._heap, (*key, Problem(row, column, message)))
        elif key > self._heap[0][:3]:
            heapq.heapreplace(self._heap, (*key, Problem(row, column, message)))

    @property
    def shown(self) -> list[Problem]:
        """The problems kept, first row first, with their messages as text."""
        kept = sorted(self._heap, reverse=True)
        return [
            Problem(p.row, self.names.get(p.column, p.column), str(p.message))
            for *_key, p in kept
        ]

    @property
    def more(self) -> int:
        """How many problems are only counted."""
        return self.total - min(self.total, self.limit)

    def __bool__(self) -> bool:
        return self.total > 0

    def __len__(self) -> int:
        return self.total

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.shown)


ALL_COLUMNS = COLUMNS + OPTIONAL_COLUMNS


@dataclass(frozen=True, slots=True)
class RosterRow:
    row: int
    code: str
    name: str
    kind: str
    parent_code: str | None
    #: The cells of the optional date columns as read (a date, "" or typed text); only
    #: columns the file has are here.
    dates: tuple[tuple[str, object], ...] = ()


class RosterRows(list):
    """The rows of a file, and the header each column has in it (to name it in problems)."""

    def __init__(self, rows=(), names: dict[str, str] | None = None):
        super().__init__(rows)
        self.names = names or {}


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


class RosterInvalid(Exception):
    """``problems``: the first ones (at most SHOWN_PROBLEMS); ``total``: how many in all;
    ``more``: how many are not listed."""

    def __init__(self, problems: Problems | list[Problem]):
        if not isinstance(problems, Problems):
            collected = Problems()
            for p in problems:
                collected.add(p.row, p.column, p.message)
            problems = collected
        super().__init__(f"{problems.total} problem(s) in the roster")
        self.problems = problems.shown
        self.total = problems.total
        self.more = problems.more


def more_problems_text(more: int) -> str:
    """"… and 99,950 more problems", for the problems that are only counted."""
    return ngettext(
        "… and %(count)s more problem.",
        "… and %(count)s more problems.",
        more,
        count=format_decimal(more),
    )


def _header_aliases() -> dict[str, str]:
    """Header text (case-folded) -> column key, for the export's headers in every language."""
    aliases: dict[str, str] = {}
    for locale in LOCALES:
        with force_locale(locale):
            aliases.update({" ".join(str(h).casefold().split()): k for k, h in HEADERS.items()})
    return aliases


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _quoted(text: str) -> str:
    """A cell's text as a problem quotes it: never more than QUOTED_CHARS characters."""
    return text if len(text) <= QUOTED_CHARS else text[: QUOTED_CHARS - 1] + "…"


def _not_a_workbook() -> RosterInvalid:
    return RosterInvalid([Problem(None, None, _("The file is not an Excel workbook (.xlsx)."))])


def _check_unpacked_size(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise _not_a_workbook() from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise RosterInvalid(
            [Problem(None, None, _("The file is too large: split the roster into several files."))]
        )


def read_xlsx(stream: IO[bytes] | bytes | Path) -> list[RosterRow]:
    """Parse the first sheet into rows; raise RosterInvalid for a file that is not a roster."""
    if isinstance(stream, Path):
        data = stream.read_bytes()
    elif isinstance(stream, bytes):
        data = stream
    else:
        data = stream.read()
    _check_unpacked_size(data)
    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        rows = sheet.iter_rows()  # from the sheet's first row, empty ones included
        header_cells = [_cell_text(v) for v in next(rows, ())]
        header = [v.casefold() for v in header_cells]
    except (CalamineError, ValueError, OSError, IndexError):
        raise _not_a_workbook() from None
    found: dict[str, int] = {}
    # The export's headers first: its English "Kind" column holds labels, "Kind code" codes.
    for aliases in (_header_aliases(), {key: key for key in ALL_COLUMNS}):
        for position, text in enumerate(header):
            key = aliases.get(" ".join(text.split()))
            if key is not None and key not in found and position not in found.values():
                found[key] = position
    missing = [c for c in COLUMNS if c not in found]
    if missing:
        raise RosterInvalid(
            [
                Problem(
                    1,
                    column,
                    _("The header row has no column “%(c)s”.", c=f"{HEADERS[column]} ({column})"),
                )
                for column in missing
            ]
        )
    pick = operator.itemgetter(*(found[c] for c in COLUMNS))
    optional = [(c, found[c]) for c in OPTIONAL_COLUMNS if c in found]
    width = len(header)  # calamine gives every row the sheet's width
    names = {c: header_cells[i] for c, i in found.items() if header_cells[i] != c}
    parsed = RosterRows(names=names)
    for number, values in enumerate(rows, start=2):
        if len(values) < width:
            values = [*values, *[""] * (width - len(values))]
        code, name, kind, parent = (
            v.strip() if type(v) is str else _cell_text(v) for v in pick(values)
        )
        dates = tuple(
            (column, values[i].strip() if type(values[i]) is str else values[i])
            for column, i in optional
        )
        if code or name or kind or parent:
            parsed.append(RosterRow(number, code, name, kind, parent or None, dates))
    return parsed


def cell_date(value) -> date | None:
    """A day from a cell: an Excel date, or text written 05/10/2017 or 2017-10-05; None
    for an empty cell. Raises ValueError for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        if value.time() != time(0):
            raise ValueError(value)
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10 and text[4] == "-":
            return date.fromisoformat(text)
        parts = text.split("/")
        if len(parts) == 3 and all(p.isdigit() for p in parts) and len(parts[2]) == 4:
            return date(int(parts[2]), int(parts[1]), int(parts[0]))
    raise ValueError(value)


def row_dates(row: RosterRow) -> dict[str, date | None]:
    """The row's optional days that read as days (problems are found by ``validate``)."""
    out = {}
    for column, value in row.dates:
        try:
            out[column] = cell_date(value)
        except ValueError:
            continue
    return out


def validate(session: Session, rows: list[RosterRow]) -> Problems:
    """The problems the rows have, judged against the tree as it would be after import
    (every check is linear in the number of rows)."""
    problems = Problems(names=getattr(rows, "names", None))
    kinds = {k.value for k in UnitKind}
    kind_list = ", ".join(k.value for k in UnitKind)
    first_row: dict[str, int] = {}
    for r in rows:
        if not r.code:
            problems.add(r.row, "code", _l("The code is empty."))
        elif len(r.code) > CODE_MAX_LENGTH:
            problems.add(r.row, "code", _l("The code is longer than 40 characters."))
        elif not is_valid_code(r.code):
            # the unit form's rule: a code names files in posters.zip and stands in URLs
            problems.add(r.row, "code", CODE_RULE_MESSAGE)
        elif r.code in first_row:
            problems.add(
                r.row,
                "code",
                _l(
                    "The code %(code)s is already used on row %(first)d.",
                    code=r.code,
                    first=first_row[r.code],
                ),
            )
        else:
            first_row[r.code] = r.row
        if not r.name:
            problems.add(r.row, "name", _l("The name is empty."))
        elif len(r.name) > 200:
            problems.add(r.row, "name", _l("The name is longer than 200 characters."))
        if r.kind not in kinds:
            problems.add(
                r.row,
                "kind",
                _l(
                    "Unknown kind “%(kind)s”; use one of: %(kinds)s.",
                    kind=_quoted(r.kind),
                    kinds=kind_list,
                ),
            )
        days = {}
        for column, value in r.dates:
            try:
                days[column] = cell_date(value)
            except (ValueError, TypeError):
                problems.add(
                    r.row,
                    column,
                    _l("“%(value)s” is not a day: write it as dd/mm/yyyy, e.g. 05/10/2017.",
                       value=_quoted(_cell_text(value))),
                )
        if days.get("active_from") and days.get("active_until") \
                and days["active_until"] < days["active_from"]:
            problems.add(r.row, "active_until",
                         _l("A unit cannot stop working before the day it was set up."))

    # The tree as it would stand: saved units overlaid by the file's rows.
    existing = _existing_tree(session)
    tree = dict(existing)
    file_rows = {r.code: r for r in rows if r.code and first_row.get(r.code) == r.row}
    for r in file_rows.values():
        tree[r.code] = (r.kind, r.parent_code)

    for r in file_rows.values():
        if r.parent_code is None:
            parent_kind = None
        elif r.parent_code not in tree:
            problems.add(
                r.row,
                "parent_code",
                _l("Unknown parent code %(code)s.", code=_quoted(r.parent_code)),
            )
            continue
        else:
            parent_kind = tree[r.parent_code][0]
        if r.kind in kinds and (parent_kind is None or parent_kind in kinds):
            kind, pkind = UnitKind(r.kind), UnitKind(parent_kind) if parent_kind else None
            if not may_sit_under(kind, pkind):
                problems.add(r.row, "parent_code" if pkind else "kind", _kind_problem(kind, pkind))
    # Saved units that stay put but whose parent's kind the file changes.
    for code, (kind, parent_code) in existing.items():
        if code in file_rows or parent_code not in file_rows:
            continue
        parent_row = file_rows[parent_code]
        if parent_row.kind in kinds and not may_sit_under(
            UnitKind(kind), UnitKind(parent_row.kind)
        ):
            problems.add(
                parent_row.row,
                "kind",
                _l(
                    "The saved unit %(child)s could not sit under this unit with that kind.",
                    child=code,
                ),
            )
    for row, cycle in _cycles(tree, file_rows):
        problems.add(
            row,
            "parent_code",
            _l("These units would be their own parents: %(cycle)s.", cycle=cycle),
        )
    return problems


def _existing_tree(session: Session) -> dict[str, tuple[str, str | None]]:
    units = list(session.execute(select(Unit.id, Unit.code, Unit.kind, Unit.parent_id)))
    code_of = {uid: code for uid, code, _kind, _parent in units}
    return {code: (kind, code_of.get(parent)) for _uid, code, kind, parent in units}


#: Codes a cycle names before "…".
_CYCLE_SHOWN = 8


def _cycles(
    tree: dict[str, tuple[str, str | None]], file_rows: dict[str, RosterRow]
) -> list[tuple[int, str]]:
    """(row, "A → B → A") for each cycle of parents, once, at its first row in the file.

    Each unit is walked once (linear): a walk stops at a unit an earlier walk finished.
    """
    done: set[str] = set()
    found = []
    for start in file_rows:
        if start in done:
            continue
        path: list[str] = []
        on_path: dict[str, int] = {}
        code: str | None = start
        while code is not None and code in tree and code not in done and code not in on_path:
            on_path[code] = len(path)
            path.append(code)
            code = tree[code][1]
        if code is not None and code in on_path:
            cycle = path[on_path[code] :]
            rows = [(file_rows[c].row, i) for i, c in enumerate(cycle) if c in file_rows]
            if not rows:  # only saved units: not this file's doing
                done.update(path)
                continue
            row, first = min(rows)
            cycle = cycle[first:] + cycle[:first]
            shown = cycle if len(cycle) <= _CYCLE_SHOWN else [*cycle[:_CYCLE_SHOWN], "…"]
            found.append((row, " → ".join([*shown, cycle[0]])))
        done.update(path)
    return found


def _kind_problem(kind: UnitKind, parent_kind: UnitKind | None):
    if parent_kind is None:
        return _l("A unit of kind “%(kind)s” needs a parent code.", kind=kind.value)
    return _l(
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
            days = row_dates(r)  # only the date columns the file has
            if unit is None:
                unit = Unit(code=r.code, name=r.name, kind=r.kind, parent=parent, **days)
                session.add(unit)
                by_code[r.code] = unit
                created += 1
            elif (unit.name, unit.kind, unit.parent_id, *(getattr(unit, c) for c in days)) != (
                r.name,
                r.kind,
                parent.id if parent else None,
                *days.values(),
            ):
                unit.name, unit.kind, unit.parent = r.name, r.kind, parent
                for column, day in days.items():
                    setattr(unit, column, day)
                updated += 1
            else:
                unchanged += 1
        session.flush()
    result = ImportResult(created, updated, unchanged)
    if result.changed:
        audit.record(session, "units.import", actor=actor, created=created, updated=updated)
    return result


def export_xlsx(session: Session) -> bytes:
    """The whole roster, parents before children, in the import format, with headers in the
    current language and the kind's label and the parent's name beside their codes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Units")
    sheet.append(
        safe_row(
            sheet,
            [
                str(HEADERS["code"]),
                str(HEADERS["name"]),
                _("Kind"),
                str(HEADERS["kind"]),
                str(HEADERS["parent_code"]),
                _("Parent unit"),
                str(HEADERS["active_from"]),
                str(HEADERS["active_until"]),
            ],
            bold=True,
        )
    )
    units = tree_order(session)
    names = {code: name for code, name, *_rest in units}
    labels = {k.value: k.label for k in UnitKind}
    for code, name, kind, parent_code, active_from, active_until in units:
        label = labels.get(kind, "")
        sheet.append(
            safe_row(
                sheet,
                [code, name, label, kind, parent_code, names.get(parent_code or ""),
                 active_from, active_until],
            )
        )
    for column, width in zip("ABCDEFGH", (20, 56, 28, 18, 20, 48, 16, 16), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "B2"
    help_sheet = workbook.create_sheet(_("Kinds"))
    help_sheet.append(safe_row(help_sheet, [str(HEADERS["kind"]), _("Kind")], bold=True))
    for kind in UnitKind:
        help_sheet.append(safe_row(help_sheet, [kind.value, kind.label]))
    help_sheet.column_dimensions["A"].width = 20
    help_sheet.column_dimensions["B"].width = 36
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def tree_order(session: Session) -> list[tuple]:
    """(code, name, kind, parent code, active from, active until), parents first."""
    units = list(
        session.execute(
            select(Unit.id, Unit.code, Unit.name, Unit.kind, Unit.parent_id, Unit.active_from,
                   Unit.active_until).order_by(Unit.code)
        )
    )
    code_of = {u.id: u.code for u in units}
    children: dict[int | None, list] = {}
    for u in units:
        children.setdefault(u.parent_id, []).append(u)
    ordered, queue = [], list(children.get(None, []))
    while queue:
        u = queue.pop(0)
        ordered.append((u.code, u.name, u.kind, code_of.get(u.parent_id), u.active_from,
                        u.active_until))
        queue.extend(children.get(u.id, []))
    return ordered


def shipped_rows(path: Path = SHIPPED_ROSTER) -> list[RosterRow]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        RosterRow(i, str(item["code"]), item["name"], item["kind"], item.get("parent_code"))
        for i, item in enumerate(data["units"], start=1)
    ]
