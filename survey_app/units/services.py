"""Reading and changing the unit tree."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from survey_app.errors import UserError
from survey_app.models import audit
from survey_app.models.units import (
    CODE_RULE_MESSAGE,
    Unit,
    UnitKind,
    is_valid_code,
    may_sit_under,
)
from survey_app.search import fold, query_words


class UnitError(UserError):
    status = 400


@dataclass
class TreeNode:
    unit: Unit
    children: list[TreeNode] = field(default_factory=list)
    matches: bool = True
    open: bool = False


def all_units(session: Session) -> list[Unit]:
    return list(session.scalars(select(Unit).order_by(Unit.name)))


def unit_tree(session: Session, query: str = "") -> list[TreeNode]:
    """The whole tree (one query); with ``query``, only matches and their ancestors, opened.

    A unit matches when every word of the query is in its name or code, without
    diacritics and with d for đ ("dak ha" finds LĐLĐ huyện Đắk Hà).
    """
    units = all_units(session)
    nodes = {u.id: TreeNode(u) for u in units}
    roots: list[TreeNode] = []
    for unit in units:
        node = nodes[unit.id]
        parent = nodes.get(unit.parent_id) if unit.parent_id else None
        (parent.children if parent else roots).append(node)
    for node in nodes.values():
        node.children.sort(key=_sort_key)
    roots.sort(key=_sort_key)
    words = query_words(query)
    if not words:
        # Open the national and provincial levels: the province's own units show at once.
        for root in roots:
            root.open = True
            for child in root.children:
                child.open = True
        return roots
    return [n for n in roots if _filter(n, words)]


_KIND_ORDER = {kind: i for i, kind in enumerate(UnitKind)}


def vietnamese_key(text: str) -> tuple[str, str]:
    """Sort Vietnamese as people expect: Đắk Hà beside Dak, not after Z."""
    return (fold(text), text.casefold())


def _sort_key(node: TreeNode) -> tuple[int, tuple[str, str]]:
    return (_KIND_ORDER.get(UnitKind(node.unit.kind), 99), vietnamese_key(node.unit.name))


def _filter(node: TreeNode, words: list[str]) -> bool:
    """Keep nodes that match or have matching descendants; open the paths to matches."""
    node.matches = all(word in node.unit.search_text for word in words)
    node.children = [c for c in node.children if _filter(c, words)]
    node.open = bool(node.children)
    return node.matches or bool(node.children)


def get_unit(session: Session, code: str) -> Unit | None:
    return session.scalars(select(Unit).where(Unit.code == code)).first()


def ancestors(session: Session, unit: Unit) -> list[Unit]:
    chain, seen = [], set()
    parent_id = unit.parent_id
    while parent_id is not None and parent_id not in seen:
        seen.add(parent_id)
        parent = session.get(Unit, parent_id)
        if parent is None:
            break
        chain.append(parent)
        parent_id = parent.parent_id
    return chain


def save_unit(
    session: Session,
    *,
    code: str,
    name: str,
    kind: str,
    parent_code: str | None,
    unit: Unit | None = None,
    actor=None,
    active_from: date | None = None,
    active_until: date | None = None,
) -> Unit:
    """Create ``unit`` (or update it, which may move it), checking the tree's rules.
    ``active_from`` / ``active_until``: the day it was set up / dissolved (None: unknown,
    still active); a campaign expects a report only from units active on its deadline.

    Raises UnitError.
    """
    code, name, parent_code = code.strip(), name.strip(), (parent_code or "").strip() or None
    if not code:
        raise UnitError(_("The code is required."))
    if not is_valid_code(code):
        raise UnitError(str(CODE_RULE_MESSAGE))
    if not name:
        raise UnitError(_("The name is required."))
    try:
        kind_enum = UnitKind(kind)
    except ValueError:
        raise UnitError(_("Unknown unit kind: %(kind)s", kind=kind)) from None
    check_active_dates(active_from, active_until)
    existing = get_unit(session, code)
    if existing is not None and existing is not unit:
        raise UnitError(_("Another unit already has the code %(code)s.", code=code))
    parent = None
    if parent_code:
        parent = get_unit(session, parent_code)
        if parent is None:
            raise UnitError(_("Unknown parent unit code: %(code)s", code=parent_code))
        if unit is not None and (parent is unit or unit in ancestors(session, parent)):
            raise UnitError(_("A unit cannot be moved under itself or one of its own units."))
    parent_kind = UnitKind(parent.kind) if parent else None
    if not may_sit_under(kind_enum, parent_kind):
        raise UnitError(_kind_message(kind_enum, parent_kind))
    if unit is not None:
        for child in session.scalars(select(Unit).where(Unit.parent_id == unit.id)):
            if not may_sit_under(UnitKind(child.kind), kind_enum):
                raise UnitError(
                    _(
                        "The unit %(child)s could no longer sit under this one with that kind.",
                        child=child.name,
                    )
                )
    action = "unit.update" if unit is not None else "unit.create"
    if unit is None:
        unit = Unit(code=code)
        session.add(unit)
    unit.code, unit.name, unit.kind = code, name, kind_enum.value
    unit.parent = parent
    unit.parent_id = parent.id if parent else None
    unit.active_from, unit.active_until = active_from, active_until
    session.flush()
    audit.record(session, action, code, actor=actor, name=name, kind=kind, parent=parent_code,
                 active_from=active_from.isoformat() if active_from else None,
                 active_until=active_until.isoformat() if active_until else None)
    return unit


def check_active_dates(active_from: date | None, active_until: date | None) -> None:
    """A unit cannot be dissolved before it was set up. Raises UnitError."""
    if active_from and active_until and active_until < active_from:
        raise UnitError(_("A unit cannot stop working before the day it was set up."))


def _kind_message(kind: UnitKind, parent_kind: UnitKind | None) -> str:
    if parent_kind is None:
        return _("A unit of kind “%(kind)s” needs a parent unit.", kind=kind.label)
    return _(
        "A unit of kind “%(kind)s” cannot sit under a unit of kind “%(parent)s”.",
        kind=kind.label,
        parent=parent_kind.label,
    )


def subtree_query(unit_id: int) -> Select[tuple[int]]:
    """The ids of a unit and all units below it, as one recursive query (a subquery to use in
    ``IN``; runs the same on SQLite and PostgreSQL).

    ``UNION`` rather than ``UNION ALL``: should an imported roster ever hold a cycle, the
    recursion stops when it finds no new unit instead of running forever.
    """
    tree = select(Unit.id).where(Unit.id == unit_id).cte("subtree", recursive=True)
    tree = tree.union(select(Unit.id).join(tree, Unit.parent_id == tree.c.id))
    return select(tree.c.id)


def subtree_ids(session: Session, unit_id: int) -> list[int]:
    """The ids of a unit and all units below it (empty when there is no such unit)."""
    return sorted(session.scalars(subtree_query(unit_id)))


def units_in_tree_order(session: Session) -> list[tuple[Unit, int]]:
    """Every unit with its depth, each followed by the units below it (for a unit picker)."""
    out: list[tuple[Unit, int]] = []

    def walk(nodes: list[TreeNode], depth: int) -> None:
        for node in nodes:
            out.append((node.unit, depth))
            walk(node.children, depth + 1)

    walk(unit_tree(session), 0)
    return out
