"""Units set up or dissolved mid-campaign (issue 11): the days in the unit form, in the
roster's optional columns (old files still import), in the unit tree, and in the count of
expected reports."""

from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import Workbook
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from survey_app.models import Unit
from survey_app.units import roster
from tests.conftest import csrf_token
from tests.factories import roster_xlsx

EDIT = "/admin/units/MAU-CDCS-TPKT01/edit"


def unit(db, code) -> Unit:
    db.session.expire_all()
    return db.session.scalars(select(Unit).where(Unit.code == code)).one()


def edit(client, **days):
    return client.post(EDIT, data={
        "csrf_token": csrf_token(client, EDIT), "code": "MAU-CDCS-TPKT01",
        "name": "CĐCS Công ty TNHH May mặc Kon Tum (mẫu)", "kind": "grassroots",
        "parent_code": "KT-TPKT", **days})


def test_admin_sets_the_days_a_unit_works_and_the_tree_shows_it(client, login_as, db, monkeypatch):
    import survey_app.admin.views

    monkeypatch.setattr(survey_app.admin.views, "local_today", lambda: date(2017, 10, 20))
    login_as("admin")
    form = client.get(EDIT).get_data(as_text=True)
    assert 'type="date"' in form and "Ngừng hoạt động từ ngày" in form
    assert "Hoạt động từ ngày" in form
    saved = edit(client, active_from="2010-03-01", active_until="2017-09-15")
    assert saved.status_code == 302
    dissolved = unit(db, "MAU-CDCS-TPKT01")
    assert (dissolved.active_from, dissolved.active_until) == (date(2010, 3, 1),
                                                              date(2017, 9, 15))
    tree = client.get("/admin/units").get_data(as_text=True)
    assert "Đã ngừng hoạt động từ 15/09/2017" in tree
    assert 'class="dissolved"' in tree
    assert 'value="2017-09-15"' in client.get(EDIT).get_data(as_text=True)
    edit(client, active_from="", active_until="2017-12-31")
    assert "Sẽ ngừng hoạt động từ 31/12/2017" in client.get("/admin/units").get_data(as_text=True)
    cleared = edit(client, active_from="", active_until="")
    assert cleared.status_code == 302
    assert unit(db, "MAU-CDCS-TPKT01").active_until is None


def test_a_unit_cannot_stop_before_it_started_nor_take_a_non_day(client, login_as, db):
    login_as("admin")
    backwards = edit(client, active_from="2017-10-01", active_until="2017-09-01")
    assert backwards.status_code == 200
    assert "không thể trước ngày đơn vị bắt đầu hoạt động" in backwards.get_data(as_text=True)
    assert unit(db, "MAU-CDCS-TPKT01").active_from is None
    nonsense = edit(client, active_from="mùng 5", active_until="")
    assert nonsense.status_code == 200 and unit(db, "MAU-CDCS-TPKT01").active_from is None


def test_a_unit_dissolved_in_the_admin_pages_owes_no_report(client, login_as, db, nq20):
    login_as("admin")
    card = '<span class="unit-name">CĐCS Công ty TNHH May mặc Kon Tum (mẫu)</span>'

    def dashboard() -> str:
        return client.get("/campaigns/nq20_2017/reports").get_data(as_text=True)

    assert card in dashboard()
    edit(client, active_from="", active_until="2017-09-15")
    assert card not in dashboard()
    edit(client, active_from="", active_until="2017-10-05")  # still working on its deadline
    assert card in dashboard()


HEADER = ("code", "name", "kind", "parent_code", "active_from", "active_until")


def workbook(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_roster_days_as_excel_dates_or_typed_and_an_empty_cell_clears(kontum, db):
    rows = [
        ("KT-MOI-1", "CĐCS Mới 1", "grassroots", "KT-DAKHA", datetime(2017, 9, 20), None),
        ("KT-MOI-2", "CĐCS Mới 2", "grassroots", "KT-DAKHA", "20/09/2017", "2017-12-31"),
        ("MAU-CDCS-TPKT01", "CĐCS Công ty TNHH May mặc Kon Tum (mẫu)", "grassroots",
         "KT-TPKT", None, "15/09/2017"),
    ]
    result = roster.apply(db.session, roster.read_xlsx(workbook(rows)))
    assert (result.created, result.updated) == (2, 1)
    assert unit(db, "KT-MOI-1").active_from == date(2017, 9, 20)
    assert unit(db, "KT-MOI-2").active_until == date(2017, 12, 31)
    assert unit(db, "MAU-CDCS-TPKT01").active_until == date(2017, 9, 15)
    again = roster.apply(db.session, roster.read_xlsx(workbook(rows)))
    assert (again.created, again.updated) == (0, 0)
    cleared = [("KT-MOI-2", "CĐCS Mới 2", "grassroots", "KT-DAKHA", "20/09/2017", "")]
    roster.apply(db.session, roster.read_xlsx(workbook(cleared)))
    assert unit(db, "KT-MOI-2").active_until is None


def test_a_roster_without_the_day_columns_still_imports_and_keeps_the_days(kontum, db):
    dissolved = unit(db, "MAU-CDCS-TPKT01")
    dissolved.active_until = date(2017, 9, 15)
    db.session.commit()
    old = roster_xlsx([("MAU-CDCS-TPKT01", "CĐCS May mặc (đổi tên)", "grassroots", "KT-TPKT")])
    result = roster.apply(db.session, roster.read_xlsx(old))
    assert result.updated == 1
    kept = unit(db, "MAU-CDCS-TPKT01")
    assert kept.name == "CĐCS May mặc (đổi tên)" and kept.active_until == date(2017, 9, 15)


def test_roster_refuses_what_is_not_a_day_naming_row_and_column(kontum, db):
    rows = [
        ("KT-MOI-1", "CĐCS Mới 1", "grassroots", "KT-DAKHA", "mùng 5 tháng 9", None),
        ("KT-MOI-2", "CĐCS Mới 2", "grassroots", "KT-DAKHA", "01/10/2017", "01/09/2017"),
        ("KT-MOI-3", "CĐCS Mới 3", "grassroots", "KT-DAKHA", "31/02/2017", None),
    ]
    header = ("Mã đơn vị", "Tên đơn vị", "Mã loại", "Mã đơn vị cấp trên", "Hoạt động từ ngày",
              "Ngừng hoạt động từ ngày")
    try:
        roster.apply(db.session, roster.read_xlsx(workbook(rows, header)))
    except roster.RosterInvalid as exc:
        problems = [str(p) for p in exc.problems]
    else:
        raise AssertionError("refused rows were imported")
    assert problems == [
        "dòng 2, cột Hoạt động từ ngày: “mùng 5 tháng 9” không phải là ngày: hãy ghi theo dạng "
        "dd/mm/yyyy, ví dụ 05/10/2017.",
        "dòng 3, cột Ngừng hoạt động từ ngày: Ngày ngừng hoạt động không thể trước ngày đơn vị "
        "bắt đầu hoạt động.",
        "dòng 4, cột Hoạt động từ ngày: “31/02/2017” không phải là ngày: hãy ghi theo dạng "
        "dd/mm/yyyy, ví dụ 05/10/2017.",
    ]
    assert db.session.scalars(select(Unit).where(Unit.code.like("KT-MOI-%"))).first() is None


def test_exported_days_are_dates_and_import_back_unchanged(kontum, db):
    dissolved = unit(db, "MAU-CDCS-TPKT01")
    dissolved.active_from, dissolved.active_until = date(2009, 1, 5), date(2017, 9, 15)
    db.session.commit()
    data = roster.export_xlsx(db.session)
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    row = next(r for r in sheet if r[0] == "MAU-CDCS-TPKT01")
    assert row[6:] == [date(2009, 1, 5), date(2017, 9, 15)]
    result = roster.apply(db.session, roster.read_xlsx(data))
    assert result.created == result.updated == 0
