"""The union tree as the review needs it: the (small) units table in memory for walking, and
the same walks as SQL (recursive CTEs) for filtering answer rows in the database.

Only units are loaded into Python, never responses or answers: a province has hundreds of
units, and their answers are counted by the database (review.results, review.appendix).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from survey_app.models.units import Unit, UnitKind

_KIND_ORDER = {kind.value: index for index, kind in enumerate(UnitKind)}


@dataclass(frozen=True)
class Node:
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    active_from: date | None
    active_until: date | None

    @property
    def kind_label(self) -> str:
        return UnitKind(self.kind).label


class Tree:
    """Every unit, with parent and children links (built once per request or command)."""

    def __init__(self, nodes: list[Node]):
        self.by_id = {node.id: node for node in nodes}
        self.by_code = {node.code: node for node in nodes}
        self._children: dict[int | None, list[Node]] = {}
        for node in nodes:
            parent = node.parent_id if node.parent_id in self.by_id else None
            self._children.setdefault(parent, []).append(node)
        for siblings in self._children.values():
            siblings.sort(key=lambda n: (_KIND_ORDER.get(n.kind, 99), n.name, n.code))

    def children(self, node: Node | None) -> list[Node]:
        """The units directly under ``node`` (the roots for None)."""
        return list(self._children.get(node.id if node else None, []))

    def descendants(self, node: Node) -> Iterator[Node]:
        """Every unit under ``node`` (not ``node`` itself), parents before children."""
        stack = list(reversed(self.children(node)))
        seen = {node.id}
        while stack:
            current = stack.pop()
            if current.id in seen:  # a broken tree must not loop
                continue
            seen.add(current.id)
            yield current
            stack.extend(reversed(self.children(current)))

    def ancestors(self, node: Node) -> list[Node]:
        """From the root down to ``node``'s parent."""
        chain: list[Node] = []
        seen = {node.id}
        current = self.by_id.get(node.parent_id) if node.parent_id else None
        while current is not None and current.id not in seen:
            seen.add(current.id)
            chain.append(current)
            current = self.by_id.get(current.parent_id) if current.parent_id else None
        return list(reversed(chain))

    def province(self) -> Node | None:
        """The provincial federation (the campaign's owner); the first one if several."""
        provinces = [n for n in self.by_id.values() if n.kind == UnitKind.PROVINCE.value]
        return min(provinces, key=lambda n: n.id) if provinces else None

    def get(self, code: str | None) -> Node | None:
        return self.by_code.get(code) if code else None


def load_tree(session: Session) -> Tree:
    rows = session.execute(
        sa.select(Unit.id, Unit.code, Unit.name, Unit.kind, Unit.parent_id, Unit.active_from,
                  Unit.active_until)
    ).all()
    return Tree([Node(*row) for row in rows])


def subtree_cte(unit_id: int) -> sa.CTE:
    """SQL: ``unit_id`` and the ids of every unit under it (a recursive CTE, both engines)."""
    tree = sa.select(Unit.id.label("id")).where(Unit.id == unit_id).cte(
        "subtree", recursive=True)
    return tree.union_all(sa.select(Unit.id).where(Unit.parent_id == tree.c.id))


def group_map(unit_id: int) -> sa.CTE:
    """SQL: (unit_id, grp) for every unit in ``unit_id``'s subtree, ``grp`` being the unit
    directly under ``unit_id`` whose branch it is in, or ``unit_id`` itself for its own rows.

    Joining answer rows to it rolls them up by branch (by district under the province)."""
    branches = sa.select(Unit.id.label("unit_id"), Unit.id.label("grp")).where(
        Unit.parent_id == unit_id
    ).cte("branches", recursive=True)
    branches = branches.union_all(
        sa.select(Unit.id, branches.c.grp).where(Unit.parent_id == branches.c.unit_id)
    )
    own = sa.select(sa.literal(unit_id).label("unit_id"), sa.literal(unit_id).label("grp"))
    return sa.union_all(sa.select(branches.c.unit_id, branches.c.grp), own).cte("grp_map")
