"""The unit roster in and out as XLSX, from the command line and the admin pages."""

import contextlib
import io
import zipfile

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select

from survey_app.models import AuditEvent, Unit
from survey_app.units import roster
from survey_app.units.services import UnitError, save_unit
from tests.conftest import csrf_token
from tests.factories import roster_xlsx


@contextlib.contextmanager
def app_locale(locale):
    from flask import current_app
    from flask_babel import force_locale

    with current_app.test_request_context(), force_locale(locale):
        yield


GOOD = [
    ("KT-NEW-1", "CĐCS Công ty Mới", "grassroots", "KT-DAKHA"),
    ("KT-NEW-2", "Nghiệp đoàn Mới", "trade_association", "KT-NEW-PARENT"),
    ("KT-NEW-PARENT", "Công đoàn ngành Xây dựng", "sector", "KT"),
    ("KT-DAKHA", "LĐLĐ huyện Đắk Hà (đổi tên)", "district", "KT"),
]


def unit_count(db):
    return db.session.scalar(select(func.count()).select_from(Unit))


def snapshot(db):
    db.session.expire_all()
    return sorted(
        (u.code, u.name, u.kind, u.parent.code if u.parent_id else None)
        for u in db.session.scalars(select(Unit).execution_options(populate_existing=True))
        for _ in [db.session.refresh(u, ["parent"])]
    )


def test_shipped_roster_has_the_kon_tum_tree(kontum, db):
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    assert units["KT"].name == "Liên đoàn Lao động tỉnh Kon Tum"
    districts = [u for u in units.values() if u.kind == "district"]
    assert len(districts) == 10
    assert {"Đắk Hà", "Ia H'Drai", "Tu Mơ Rông"} <= {d.name.split("huyện ")[-1] for d in districts}
    kt = units["KT"].id
    assert any(u.kind == "grassroots" and u.parent_id == kt for u in units.values())
    for kind in ("sector", "civil_servants", "central_sector"):
        samples = [u for u in units.values() if u.kind == kind]
        assert samples and all("(mẫu)" in u.name for u in samples)


def test_import_adds_and_updates_and_reimport_changes_nothing(kontum, db, tmp_path, app):
    before = unit_count(db)
    path = tmp_path / "roster.xlsx"
    path.write_bytes(roster_xlsx(GOOD))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["units", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 đơn vị mới, 1 cập nhật" in result.output
    assert unit_count(db) == before + 3
    first = snapshot(db)
    assert ("KT-NEW-2", "Nghiệp đoàn Mới", "trade_association", "KT-NEW-PARENT") in first
    events = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "units.import")
    )

    again = runner.invoke(args=["units", "import", str(path)])
    assert again.exit_code == 0 and "0 đơn vị mới, 0 cập nhật, 4 không đổi" in again.output
    assert snapshot(db) == first
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "units.import")
        )
        == events
    )


def test_import_never_deletes(kontum, db, tmp_path, app):
    before = unit_count(db)
    path = tmp_path / "one.xlsx"
    path.write_bytes(roster_xlsx([GOOD[0]]))
    assert app.test_cli_runner().invoke(args=["units", "import", str(path)]).exit_code == 0
    assert unit_count(db) == before + 1


def test_export_reads_back_with_an_independent_reader(kontum, db, tmp_path, app):
    path = tmp_path / "out.xlsx"
    result = app.test_cli_runner().invoke(args=["units", "export", str(path)])
    assert result.exit_code == 0, result.output
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert sheet[0] == ["Mã đơn vị", "Tên đơn vị", "Loại", "Mã loại", "Mã đơn vị cấp trên",
                        "Đơn vị cấp trên", "Hoạt động từ ngày", "Ngừng hoạt động từ ngày"]
    exported = sorted((r[0], r[1], r[3], r[4] or None) for r in sheet[1:])
    assert exported == snapshot(db)
    names = {r[0]: r[1] for r in sheet[1:]}
    seen = set()
    for code, _name, label, _kind, parent, parent_name, *days in (tuple(r) for r in sheet[1:]):
        assert days == ["", ""]  # the shipped roster has no activity days
        assert not parent or parent in seen, "parents come before their children"
        assert parent_name == (names[parent] if parent else "")
        assert label
        seen.add(code)
    dakha = next(r for r in sheet if r[0] == "KT-DAKHA")
    assert dakha[2:] == ["LĐLĐ huyện, thành phố", "district", "KT",
                         "Liên đoàn Lao động tỉnh Kon Tum", "", ""]


def test_exported_file_imports_back_unchanged(kontum, db, app):
    data = roster.export_xlsx(db.session)
    result = roster.apply(db.session, roster.read_xlsx(data))
    assert result.created == result.updated == 0
    assert result.unchanged == unit_count(db)


def test_english_export_has_english_headers_and_imports_back(client, login_as, db):
    login_as("admin")
    client.set_cookie("lang", "en")
    data = client.get("/admin/units/export.xlsx").data
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert book.sheet_names == ["Units", "Kinds"]
    header = book.get_sheet_by_index(0).to_python()[0]
    assert header == ["Unit code", "Unit name", "Kind", "Kind code", "Parent unit code",
                      "Parent unit", "Active from", "Dissolved on"]
    with app_locale("vi"):
        result = roster.apply(db.session, roster.read_xlsx(data))
    assert result.created == result.updated == 0


def test_problems_name_the_columns_as_the_file_heads_them(kontum, db, tmp_path, app):
    header = ("Mã đơn vị", "Tên đơn vị", "Mã loại", "Mã đơn vị cấp trên")
    path = tmp_path / "vi.xlsx"
    path.write_bytes(roster_xlsx([("KT-X", "", "nope", "KT")], header))
    result = app.test_cli_runner().invoke(args=["units", "import", str(path)])
    assert result.exit_code != 0
    assert "dòng 2, cột Tên đơn vị" in result.output
    assert "dòng 2, cột Mã loại" in result.output


BAD_CASES = [
    pytest.param(
        [("A", "x", "grassroots")],
        ("code", "name", "kind"),
        [(1, "parent_code")],
        id="missing-column",
    ),
    pytest.param([("KT-X", "", "grassroots", "KT")], None, [(2, "name")], id="empty-name"),
    pytest.param([("KT-X", "X", "union", "KT")], None, [(2, "kind")], id="unknown-kind"),
    pytest.param(
        [("KT-X", "X", "grassroots", "NOPE")], None, [(2, "parent_code")], id="unknown-parent"
    ),
    pytest.param(
        [("KT-X", "X", "grassroots", "KT"), ("KT-X", "Y", "grassroots", "KT")],
        None,
        [(3, "code")],
        id="duplicate-code",
    ),
    pytest.param(
        [("KT-A", "A", "grassroots", "KT-B"), ("KT-B", "B", "grassroots", "KT-A")],
        None,
        [(2, "parent_code"), (2, "parent_code"), (3, "parent_code")],
        id="cycle",
    ),
    pytest.param(
        [("KT-X", "X", "district", "KT-DAKHA")],
        None,
        [(2, "parent_code")],
        id="kind-under-wrong-kind",
    ),
    pytest.param([("", "No code", "grassroots", "KT")], None, [(2, "code")], id="empty-code"),
]


@pytest.mark.parametrize(("rows", "header", "expected"), BAD_CASES)
def test_bad_roster_is_refused_whole_with_rows_named(
    kontum, db, tmp_path, app, rows, header, expected
):
    good_then_bad = [GOOD[0], *rows] if header is None else rows
    expected = [(r + 1 if header is None else r, c) for r, c in expected]
    path = tmp_path / "bad.xlsx"
    path.write_bytes(roster_xlsx(good_then_bad, header or ("code", "name", "kind", "parent_code")))
    before = snapshot(db)
    result = app.test_cli_runner().invoke(args=["units", "import", str(path)])
    assert result.exit_code != 0
    assert "chưa lưu gì" in result.output
    for row, column in expected:
        assert f"dòng {row}, cột {column}" in result.output, result.output
    assert snapshot(db) == before


def test_cycle_is_reported_once_per_cycle(kontum, db):
    rows = [
        roster.RosterRow(2, "KT-A", "A", "grassroots", "KT-B"),
        roster.RosterRow(3, "KT-B", "B", "grassroots", "KT-A"),
    ]
    problems = roster.validate(db.session, rows)
    cycle = [p for p in problems if "vòng tròn" in p.message]
    assert len(cycle) == 1 and "KT-A → KT-B → KT-A" in cycle[0].message


def test_changing_a_saved_parent_kind_that_would_strand_children_is_refused(kontum, db):
    rows = [roster.RosterRow(2, "KT-DAKHA", "Đắk Hà", "grassroots", "KT")]
    problems = roster.validate(db.session, rows)
    assert any("MAU-CDCS-DAKHA01" in p.message for p in problems)


def test_not_an_excel_file_is_refused(kontum, db, tmp_path, app):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(b"code,name,kind,parent_code\nA,B,grassroots,KT\n")
    result = app.test_cli_runner().invoke(args=["units", "import", str(path)])
    assert result.exit_code != 0 and "không phải bảng tính Excel" in result.output


def test_admin_page_import_lists_problems_and_saves_nothing(client, login_as, db):
    login_as("admin")
    before = snapshot(db)
    data = roster_xlsx([GOOD[0], ("KT-X", "", "nope", "NOWHERE")])
    response = client.post(
        "/admin/units/import",
        data={
            "csrf_token": csrf_token(client, "/admin/units/import"),
            "file": (io.BytesIO(data), "roster.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Chưa lưu gì" in html
    assert "dòng 3, cột name" in html and "dòng 3, cột kind" in html
    assert "dòng 3, cột parent_code" in html
    assert snapshot(db) == before


def test_admin_page_import_and_export(client, login_as, db):
    login_as("admin")
    response = client.post(
        "/admin/units/import",
        data={
            "csrf_token": csrf_token(client, "/admin/units/import"),
            "file": (io.BytesIO(roster_xlsx(GOOD)), "roster.xlsx"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "3 đơn vị mới, 1 cập nhật" in response.get_data(as_text=True)
    exported = client.get("/admin/units/export.xlsx")
    assert exported.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(exported.data)).get_sheet_by_index(0)
    codes = [row[0] for row in sheet.to_python()[1:]]
    assert "KT-NEW-2" in codes and len(codes) == unit_count(db)


BAD_CODES = ["../../../../x/zipslip", "=1+2", "..", "-x", ".hidden", "Đắk-Hà", "a b", "a/b",
             "C:\\x", "A" * 41]
GOOD_CODES = ["KT-NEW.1", "x_1", "9A", "A" * 40]


@pytest.mark.parametrize("code", BAD_CODES + GOOD_CODES)
def test_roster_import_and_unit_form_apply_one_code_rule(client, login_as, db, code):
    """A code the unit form refuses is refused by the import too, and the other way round
    (issue 10, item 2: "../../../../x/zipslip" was imported and became a path in a ZIP)."""
    login_as("admin")
    form = client.post("/admin/units/new", data={
        "csrf_token": csrf_token(client, "/admin/units/new"), "code": code,
        "name": "Đơn vị thử", "kind": "grassroots", "parent_code": "KT-DAKHA"})
    db.session.rollback()
    form_saved = db.session.scalar(select(func.count()).where(Unit.code == code)) == 1
    assert form_saved == (form.status_code == 302)
    if form_saved:
        db.session.execute(Unit.__table__.delete().where(Unit.code == code))
        db.session.commit()
    problems = roster.validate(
        db.session, [roster.RosterRow(2, code, "Đơn vị thử", "grassroots", "KT-DAKHA")])
    import_refused = any(p.column == "code" for p in problems)
    assert import_refused == (code in BAD_CODES)
    assert form_saved == (code in GOOD_CODES)
    with pytest.raises(UnitError) if code in BAD_CODES else contextlib.nullcontext():
        save_unit(db.session, code=code, name="Đơn vị thử", kind="grassroots",
                  parent_code="KT-DAKHA")


def test_zipslip_code_in_a_roster_file_is_refused_and_nothing_saved(kontum, db, tmp_path, app):
    path = tmp_path / "zipslip.xlsx"
    path.write_bytes(roster_xlsx([GOOD[0], ("../../../../x/zipslip", "Zip", "grassroots", "KT")]))
    before = snapshot(db)
    result = app.test_cli_runner().invoke(args=["units", "import", str(path)])
    assert result.exit_code != 0
    assert "dòng 3, cột code" in result.output and "chữ không dấu" in result.output
    assert snapshot(db) == before


def fast_xlsx(rows) -> bytes:
    """A one-sheet .xlsx written directly (inline strings): 100,000 rows in well under a
    second, where openpyxl takes several."""
    from xml.sax.saxutils import escape

    def cell(ref, value):
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'

    lines = []
    for number, row in enumerate(rows, start=1):
        cells = "".join(cell(f"{'ABCD'[i]}{number}", v) for i, v in enumerate(row) if v)
        lines.append(f'<row r="{number}">{cells}</row>')
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxml'
             'formats.org/spreadsheetml/2006/main"><sheetData>' + "".join(lines)
             + "</sheetData></worksheet>")
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://'
        'schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default '
        'Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+'
        'xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://'
        'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type='
        '"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://'
        'schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxml'
        'formats.org/officeDocument/2006/relationships"><sheets><sheet name="units" sheetId="1"'
        ' r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships '
        'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
        'Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


def bad_rows(n: int) -> bytes:
    # one problem a row (an unknown kind, too long to quote whole), and parents chained row
    # after row: a walk up the tree from each row would be quadratic
    long_kind = "bogus-" + "x" * 60
    rows = [("code", "name", "kind", "parent_code")]
    rows += [(f"U{i}", f"Đơn vị {i}", long_kind, f"U{i - 1}" if i else "") for i in range(n)]
    return fast_xlsx(rows)


def test_a_roster_of_100000_bad_rows_is_refused_fast_with_the_first_problems(
    client, login_as, db
):
    """Issue 10, item 3: not a 28 MB page; the first problems and a count of the others."""
    import time

    data = bad_rows(100_000)
    login_as("admin")
    before = unit_count(db)
    token = csrf_token(client, "/admin/units/import")
    started = time.perf_counter()
    response = client.post(
        "/admin/units/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), "roster.xlsx")},
        content_type="multipart/form-data",
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert len(response.data) < 60_000
    assert "vì 100.000 lỗi" in html and "… và 99.950 lỗi khác" in html
    assert html.count("cột kind") == roster.SHOWN_PROBLEMS
    assert "dòng 2, cột kind" in html and "dòng 51, cột kind" in html
    assert "dòng 52," not in html and "x" * 60 not in html
    assert unit_count(db) == before
    assert elapsed < 15, elapsed  # seconds on a busy machine; about one on a quiet one



def test_the_command_line_lists_the_first_problems_and_counts_the_others(kontum, app, tmp_path):
    path = tmp_path / "big.xlsx"
    path.write_bytes(bad_rows(2_000))
    result = app.test_cli_runner().invoke(args=["units", "import", str(path)])
    assert result.exit_code != 0
    assert "có 2.000 lỗi, chưa lưu gì" in result.output
    assert "… và 1.950 lỗi khác" in result.output
    assert result.output.count("cột kind") == roster.SHOWN_PROBLEMS


def test_a_long_cycle_is_found_without_walking_it_from_every_row(kontum, db):
    rows = [roster.RosterRow(i + 2, f"C{i}", f"Đơn vị {i}", "grassroots",
                             f"C{(i + 1) % 20_000}") for i in range(20_000)]
    problems = roster.validate(db.session, rows)
    cycles = [p for p in problems if "vòng tròn" in p.message]
    assert len(cycles) == 1 and cycles[0].row == 2
    assert cycles[0].message.count("→") == 9 and "…" in cycles[0].message
    assert problems.total == 20_000 + 1  # each row under a grassroots unit, and the cycle
