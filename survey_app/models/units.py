"""The union hierarchy: units (đơn vị) in a tree, and which kind may sit under which."""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import Base, UTCDateTime, enum_check, utcnow
from survey_app.search import search_text


class UnitKind(StrEnum):
    NATIONAL = "national"
    PROVINCE = "province"
    DISTRICT = "district"
    SECTOR = "sector"
    CIVIL_SERVANTS = "civil_servants"
    CENTRAL_SECTOR = "central_sector"
    GRASSROOTS = "grassroots"
    TRADE_ASSOCIATION = "trade_association"

    @property
    def label(self) -> str:
        return str(UNIT_KIND_LABELS[self])


UNIT_KIND_LABELS = {
    UnitKind.NATIONAL: _l("National level"),
    UnitKind.PROVINCE: _l("Provincial federation"),
    UnitKind.DISTRICT: _l("District or city federation"),
    UnitKind.SECTOR: _l("Sector union"),
    UnitKind.CIVIL_SERVANTS: _l("Civil servants' union"),
    UnitKind.CENTRAL_SECTOR: _l("Central sector union"),
    UnitKind.GRASSROOTS: _l("Grassroots union"),
    UnitKind.TRADE_ASSOCIATION: _l("Trade association"),
}

_UPPER = (UnitKind.DISTRICT, UnitKind.SECTOR, UnitKind.CIVIL_SERVANTS, UnitKind.CENTRAL_SECTOR)

#: For each kind, the kinds its parent may have; ``None`` means it may be a root.
ALLOWED_PARENTS: dict[UnitKind, frozenset[UnitKind | None]] = {
    UnitKind.NATIONAL: frozenset({None}),
    UnitKind.PROVINCE: frozenset({None, UnitKind.NATIONAL}),
    UnitKind.DISTRICT: frozenset({UnitKind.PROVINCE}),
    UnitKind.SECTOR: frozenset({UnitKind.PROVINCE}),
    UnitKind.CIVIL_SERVANTS: frozenset({UnitKind.PROVINCE}),
    # Central sector unions stand in the province and co-direct with it (DOMAIN.md).
    UnitKind.CENTRAL_SECTOR: frozenset({UnitKind.PROVINCE, UnitKind.NATIONAL}),
    UnitKind.GRASSROOTS: frozenset({UnitKind.PROVINCE, *_UPPER}),
    UnitKind.TRADE_ASSOCIATION: frozenset({UnitKind.PROVINCE, *_UPPER}),
}


def may_sit_under(kind: UnitKind, parent_kind: UnitKind | None) -> bool:
    return parent_kind in ALLOWED_PARENTS[kind]


SEARCH_TEXT_LENGTH = 255
#: A unit code: letters without accents, digits, ".", "-" and "_", starting with a letter or
#: a digit, at most 40 characters. Codes name files (the QR codes of posters.zip), stand in
#: URLs and Excel cells: the unit form and the roster import both apply this one rule.
CODE_MAX_LENGTH = 40
CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
CODE_RULE_MESSAGE = _l(
    "Use only letters without accents, digits, dot, dash and underscore, starting with a "
    "letter or a digit."
)


def is_valid_code(code: str) -> bool:
    return len(code) <= CODE_MAX_LENGTH and CODE_RE.fullmatch(code) is not None


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (enum_check("kind", UnitKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20))
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("units.id", ondelete="RESTRICT"), index=True
    )
    #: Name and code folded for search (survey_app/search.py), kept up to date on every
    #: flush: "dak ha" finds LĐLĐ huyện Đắk Hà with LIKE on any database.
    search_text: Mapped[str] = mapped_column(sa.String(SEARCH_TEXT_LENGTH), default="")
    #: The day the unit was set up, when known (None: before any campaign it takes part in).
    active_from: Mapped[date | None] = mapped_column(sa.Date)
    #: The day it was dissolved or merged away (None: active). Units are never deleted, so
    #: that their reports and responses keep their place in the tree.
    active_until: Mapped[date | None] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], lazy="raise_on_sql")

    def is_active_on(self, day: date) -> bool:
        return (self.active_from is None or self.active_from <= day) and (
            self.active_until is None or self.active_until >= day
        )

    @property
    def kind_enum(self) -> UnitKind:
        return UnitKind(self.kind)

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


@sa.event.listens_for(Unit, "before_insert")
@sa.event.listens_for(Unit, "before_update")
def _fold_unit_for_search(_mapper, _connection, unit: Unit) -> None:
    unit.search_text = search_text(unit.name, unit.code, limit=SEARCH_TEXT_LENGTH)
