"""survey-app surveys check | eval | sync | import-xlsform | export-xlsform."""

import json

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from survey_app.models import Survey, SurveyVersion
from tests.conftest import SAMPLE_SURVEY


@pytest.fixture
def surveys_dir(app, tmp_path):
    original = app.config["SURVEYS_PATH"]
    app.config["SURVEYS_PATH"] = tmp_path
    yield tmp_path
    app.config["SURVEYS_PATH"] = original


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_check_passes_for_the_shipped_surveys(app):
    result = run(app, "surveys", "check")
    assert result.exit_code == 0, result.output
    assert "3" in result.output


def test_check_names_file_line_and_key(app, tmp_path):
    bad = SAMPLE_SURVEY.replace("type: integer", "type: number").replace(
        "${has_union} = 'yes'", "${has_unoin} = 'yes'")
    path = tmp_path / "sample_check.yaml"
    path.write_text(bad, encoding="utf-8")
    result = run(app, "surveys", "check", str(path))
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if "sample_check.yaml:" in line]
    assert any("[members]" in line and "number" in line for line in lines), result.output
    assert any("has_unoin" in line for line in lines), result.output
    line_of_type = bad.splitlines().index("        type: number") + 1
    assert any(f"sample_check.yaml:{line_of_type}:" in line for line in lines), result.output


@pytest.mark.parametrize(("expression", "answers", "current", "expected"), [
    ("${a} + 1", {"a": "2"}, None, "3"),
    (". > 3", {}, "5", "true"),
    ("selected(${m}, 'x')", {"m": ["x", "y"]}, None, "true"),
    ("${missing} = 5", {}, None, "false"),
    ("string-length('Đắk Hà')", {}, None, "6"),
    ("${a} div 0 = ${a} div 0", {"a": "x"}, None, "false"),
    ("concat('a', ${b})", {"b": None}, None, '"a"'),
    ("${b}", {}, None, "null"),
])
def test_eval_prints_json(app, expression, answers, current, expected):
    args = ["surveys", "eval", expression, "--answers", json.dumps(answers)]
    if current is not None:
        args += ["--current", current]
    result = run(app, *args)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == expected


def test_eval_refuses_a_bad_expression(app):
    result = run(app, "surveys", "eval", "${a} +* 2")
    assert result.exit_code != 0
    assert "cột" in result.output


def test_sync_loads_versions_and_skips_broken_files(app, db, surveys_dir):
    (surveys_dir / "sample_check.yaml").write_text(SAMPLE_SURVEY, encoding="utf-8")
    (surveys_dir / "broken.yaml").write_text("key: broken\ntitle: [", encoding="utf-8")
    first = run(app, "surveys", "sync")
    assert first.exit_code != 0  # a broken file is reported
    assert "broken.yaml" in first.output
    assert db.session.scalar(select(func.count()).select_from(Survey)) == 1
    (surveys_dir / "broken.yaml").unlink()
    again = run(app, "surveys", "sync")
    assert again.exit_code == 0 and "1 không đổi" in again.output
    assert db.session.scalar(select(func.count()).select_from(SurveyVersion)) == 1


def test_admin_sees_why_a_file_was_not_loaded(client, login_as, surveys_dir, db):
    (surveys_dir / "broken.yaml").write_text(
        SAMPLE_SURVEY.replace("key: sample_check", "key: broken").replace(
            "type: integer", "type: weird"), encoding="utf-8")
    login_as("admin")
    html = client.get("/admin/surveys").get_data(as_text=True)
    assert "broken.yaml" in html and "weird" in html


def xlsform(rows, choices=(), settings=None) -> bytes:
    import io

    book = Workbook()
    survey = book.active
    survey.title = "survey"
    for row in rows:
        survey.append(list(row))
    sheet = book.create_sheet("choices")
    for row in choices:
        sheet.append(list(row))
    if settings:
        sheet = book.create_sheet("settings")
        for row in settings:
            sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_import_xlsform_writes_the_yaml_and_it_syncs(app, db, surveys_dir, tmp_path):
    source = tmp_path / "in.xlsx"
    source.write_bytes(xlsform(
        [("type", "name", "label::Tiếng Việt (vi)", "label::English (en)", "relevant"),
         ("begin_group", "g1", "Phần 1", "Part 1", ""),
         ("select_one yn", "has_union", "Có công đoàn?", "Union?", ""),
         ("integer", "members", "Số đoàn viên", "Members", "${has_union} = 'yes'"),
         ("end_group", "", "", "", "")],
        [("list_name", "name", "label::Tiếng Việt (vi)", "label::English (en)"),
         ("yn", "yes", "Có", "Yes"), ("yn", "no", "Không", "No")],
        [("form_title", "form_id"), ("Phiếu Excel", "xl")]))
    result = run(app, "surveys", "import-xlsform", str(source), "--key", "from_excel")
    assert result.exit_code == 0, result.output
    assert (surveys_dir / "from_excel.yaml").exists()
    assert run(app, "surveys", "check", str(surveys_dir)).exit_code == 0
    assert run(app, "surveys", "sync").exit_code == 0
    out = tmp_path / "out.xlsx"
    exported = run(app, "surveys", "export-xlsform", "from_excel", str(out))
    assert exported.exit_code == 0 and out.exists()


def test_import_xlsform_with_errors_writes_nothing(app, surveys_dir, tmp_path):
    source = tmp_path / "bad.xlsx"
    source.write_bytes(xlsform(
        [("type", "name", "label"),
         ("geopoint", "where", "Vị trí"),
         ("integer", "n", "Số"),
         ("integer", "n", "Số lặp"),
         ("select_one nolist", "s", "Chọn")],
        [("list_name", "name", "label")]))
    result = run(app, "surveys", "import-xlsform", str(source), "--key", "bad_one")
    assert result.exit_code != 0
    assert not (surveys_dir / "bad_one.yaml").exists()
    for row in (2, 4, 5):
        assert f"{row}" in result.output


def test_import_xlsform_refuses_a_calculation_and_a_choice_filter(app, surveys_dir, tmp_path):
    """What the app cannot carry (here a calculation and cascading selects) is refused with
    its sheet and row, in Vietnamese; the command fails and writes nothing."""
    source = tmp_path / "cascading.xlsx"
    source.write_bytes(xlsform(
        [("type", "name", "label", "calculation", "choice_filter"),
         ("select_one tinh", "tinh", "Tỉnh", "", ""),
         ("select_one huyen", "huyen", "Huyện", "", "tinh = ${tinh}"),       # row 3
         ("integer", "so_nguoi", "Số người", "", ""),
         ("integer", "gap_doi", "Gấp đôi", "${so_nguoi} * 2", "")],          # row 5
        [("list_name", "name", "label", "tinh"),
         ("tinh", "kt", "Kon Tum", ""),
         ("huyen", "dh", "Đắk Hà", "kt"), ("huyen", "sk", "Sa Thầy", "kt")],
        [("form_title", "audience"), ("Phiếu có lọc", "inspection")]))
    result = run(app, "surveys", "import-xlsform", str(source), "--key", "cascading")
    assert result.exit_code != 0
    assert sorted(surveys_dir.iterdir()) == [source], "nothing written"
    assert "trang survey, dòng 3: Cột “choice_filter”: không hỗ trợ lọc danh sách lựa chọn" \
        in result.output, result.output
    assert "trang survey, dòng 5: Cột “calculation”: không hỗ trợ phép tính" in result.output
    assert "có 2 lỗi, chưa ghi gì" in result.output, result.output
