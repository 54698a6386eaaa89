"""Excel exports read in labels, not codes, in the reader's language (issue 9, item 5)."""

import datetime as dt
import io
import uuid

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from tests.conftest import NESTED_SURVEY, csrf_token

ANSWERS = {"has_union": "yes", "members": "120", "level": "low", "note_text": "ổn",
           "models.0.model_name": "Tổ tự quản", "models.1.model_name": "Quỹ tương trợ"}


def submit(client, login, make_user):
    reporter = make_user("inspector", unit_code="KT-DAKHA", full_name="Nguyễn Văn An")
    login(reporter)
    data = {"csrf_token": csrf_token(client, "/surveys/sample_check/fill"),
            "_response_id": str(uuid.uuid4()), **ANSWERS}
    assert client.post("/surveys/sample_check/fill", data=data).status_code == 303
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    client.delete_cookie("session")


def sheet_rows(data: bytes, name: str):
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(name).to_python()


def test_responses_export_in_vietnamese_shows_labels_names_and_dates(
    client, login, make_user, sample_survey
):
    submit(client, login, make_user)
    login(make_user("office"))
    data = client.get("/admin/surveys/sample_check/responses.xlsx").data
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert book.sheet_names == ["Phiên bản 1", "Mã"]
    header, row = sheet_rows(data, "Phiên bản 1")
    assert header[:5] == ["Mã phiếu trả lời", "Ngày gửi", "Người gửi", "Đơn vị", "Mã đơn vị"]
    record = dict(zip(header, row, strict=True))
    assert record["Người gửi"] == "Nguyễn Văn An"
    assert record["Đơn vị"] == "LĐLĐ huyện Đắk Hà" and record["Mã đơn vị"] == "KT-DAKHA"
    assert record["Đơn vị có công đoàn cơ sở không?"] == "Có"
    assert record["Mức độ"] == "Thấp"
    assert record["Số đoàn viên"] == 120
    assert record["Mô hình mới [2] – Tên mô hình"] == "Quỹ tương trợ"
    assert isinstance(record["Ngày gửi"], dt.date)
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet["B2"].number_format == "DD/MM/YYYY"
    assert sheet["A1"].font.bold
    codes = sheet_rows(data, "Mã")
    assert codes[0] == ["Trang tính", "Cột", "Trường", "Mã", "Nhãn"]
    assert ["Phiên bản 1", "Mức độ", "level", "low", "Thấp"] in codes
    assert ["Phiên bản 1", "Đơn vị có công đoàn cơ sở không?", "has_union", "yes", "Có"] in codes


def test_responses_export_in_english_uses_the_definitions_english(
    client, login, make_user, sample_survey
):
    submit(client, login, make_user)
    login(make_user("office"))
    client.set_cookie("lang", "en")
    data = client.get("/admin/surveys/sample_check/responses.xlsx").data
    assert CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names == ["Version 1", "Codes"]
    header, row = sheet_rows(data, "Version 1")
    assert header[:5] == ["Response ID", "Submitted on", "Submitted by", "Unit", "Unit code"]
    record = dict(zip(header, row, strict=True))
    assert record["Is there a grassroots union?"] == "Yes"
    assert record["Level"] == "Low" and record["Members"] == 120
    assert record["New models [1] – Name"] == "Tổ tự quản"




def test_a_matrix_and_an_indicator_inside_a_repeat_get_a_column_each(
        client, login, make_user, db):
    """Every answer typed reaches the workbook: a repeat's matrix rows and both figures of
    its indicator, row by row."""
    from survey_app.registry.services import sync_definition
    from survey_app.surveys.loader import load_definition

    sync_definition(db.session, load_definition(NESTED_SURVEY), NESTED_SURVEY)
    db.session.commit()
    login(make_user("inspector", unit_code="KT-DAKHA"))
    answers = {"teams.0.team_name": "Tổ 1", "teams.0.r_study": "low", "teams.0.r_act": "high",
               "teams.0.members.baseline": "40", "teams.0.members": "1.250",
               "teams.1.team_name": "Tổ 2", "teams.1.r_act": "low",
               "teams.1.members.baseline": "7", "teams.1.members": "9"}
    data = {"csrf_token": csrf_token(client, "/surveys/nested_check/fill"),
            "_response_id": str(uuid.uuid4()), **answers}
    assert client.post("/surveys/nested_check/fill", data=data).status_code == 303
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    client.delete_cookie("session")
    login(make_user("office"))
    export = client.get("/admin/surveys/nested_check/responses.xlsx")
    assert export.status_code == 200, export.status_code
    book = export.data
    header, row = sheet_rows(book, "Phiên bản 1")
    record = dict(zip(header, row, strict=True))
    assert record["Tổ công đoàn [1] – Tên tổ"] == "Tổ 1"
    assert record["Tổ công đoàn [1] – Đánh giá – Học tập"] == "Thấp"
    assert record["Tổ công đoàn [1] – Đánh giá – Hoạt động"] == "Cao"
    assert record["Tổ công đoàn [1] – Đoàn viên – Năm 2008"] == 40
    assert record["Tổ công đoàn [1] – Đoàn viên – Năm 2017"] == 1250
    assert record["Tổ công đoàn [2] – Đánh giá – Học tập"] in ("", None)
    assert record["Tổ công đoàn [2] – Đánh giá – Hoạt động"] == "Thấp"
    assert record["Tổ công đoàn [2] – Đoàn viên – Năm 2008"] == 7
    assert record["Tổ công đoàn [2] – Đoàn viên – Năm 2017"] == 9
    codes = sheet_rows(book, "Mã")
    assert ["Phiên bản 1", "Tổ công đoàn [2] – Đánh giá – Hoạt động", "teams.1.r_act", "high",
            "Cao"] in codes
