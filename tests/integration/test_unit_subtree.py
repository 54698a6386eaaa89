"""A unit and every unit under it, by one recursive query (SQLite and PostgreSQL alike)."""

from __future__ import annotations

from sqlalchemy import select, update

from survey_app.models import Unit
from survey_app.units.services import save_unit, subtree_ids, units_in_tree_order


def ids_of(db, *codes: str) -> list[int]:
    return sorted(db.session.scalars(select(Unit.id).where(Unit.code.in_(codes))))


def test_subtree_holds_the_unit_and_all_levels_below_it(db, kontum):
    assert subtree_ids(db.session, ids_of(db, "KT-TPKT")[0]) == ids_of(
        db, "KT-TPKT", "MAU-CDCS-TPKT01", "MAU-CDCS-TPKT02", "MAU-ND-TPKT01")
    # three levels down from the province, four from the national federation
    everything = sorted(db.session.scalars(select(Unit.id)))
    assert subtree_ids(db.session, ids_of(db, "VGCL")[0]) == everything
    assert subtree_ids(db.session, ids_of(db, "KT")[0]) == sorted(
        set(everything) - set(ids_of(db, "VGCL")))
    assert subtree_ids(db.session, ids_of(db, "MAU-CDCS-DAKHA01")[0]) == ids_of(
        db, "MAU-CDCS-DAKHA01")
    assert subtree_ids(db.session, 987654) == []


def test_subtree_follows_a_moved_unit(db, kontum):
    save_unit(db.session, code="MAU-CDCS-DAKHA01", name="CĐCS Cà phê", kind="grassroots",
              parent_code="KT-TPKT", unit=db.session.scalars(
                  select(Unit).where(Unit.code == "MAU-CDCS-DAKHA01")).one())
    db.session.commit()
    assert ids_of(db, "MAU-CDCS-DAKHA01")[0] in subtree_ids(db.session, ids_of(db, "KT-TPKT")[0])
    assert subtree_ids(db.session, ids_of(db, "KT-DAKHA")[0]) == ids_of(db, "KT-DAKHA")


def test_subtree_ends_even_on_a_cycle(db, kontum):
    # The app refuses cycles; a roster written around it must not hang the query.
    tpkt, child = ids_of(db, "KT-TPKT")[0], ids_of(db, "MAU-CDCS-TPKT01")[0]
    db.session.execute(update(Unit).where(Unit.id == tpkt).values(parent_id=child))
    assert tpkt in subtree_ids(db.session, child) and child in subtree_ids(db.session, tpkt)


def test_units_in_tree_order_put_each_unit_after_its_parent(db, kontum):
    ordered = units_in_tree_order(db.session)
    assert len(ordered) == db.session.query(Unit).count()
    position = {unit.id: i for i, (unit, _depth) in enumerate(ordered)}
    depth = {unit.id: d for unit, d in ordered}
    for unit, d in ordered:
        if unit.parent_id is None:
            assert d == 0
        else:
            assert position[unit.parent_id] < position[unit.id]
            assert d == depth[unit.parent_id] + 1
