"""Numbers as Vietnamese people write them, through the app: what is typed, what is stored,
what every page shows and what the Excel export holds (issue 9)."""

import json
import re
import uuid
from html import unescape as html_unescape
from pathlib import Path

import pytest
from flask import render_template_string
from sqlalchemy import select

from survey_app.formpages import form_messages
from survey_app.models import Answer, Response
from survey_app.registry.services import sync_definition
from survey_app.surveys.loader import load_definition
from survey_app.surveys.numbers import NumberProblem
from survey_app.surveys.validation import validate
from tests.conftest import csrf_token
from tests.exported import exported_rows

FIGURES = """\
key: figures
title: {vi: Phụ lục số liệu, en: Figures}
audience: unit_report
layout: single
sections:
  - key: s1
    title: {vi: Số liệu, en: Figures}
    questions:
      - key: members
        type: indicator
        number_type: integer
        min: 0
        label: {vi: Số đoàn viên, en: Members}
        unit: {vi: người, en: people}
      - key: income
        type: indicator
        label: {vi: Thu nhập bình quân, en: Average income}
        unit: {vi: triệu đồng, en: million VND}
      - key: rate
        type: decimal
        label: {vi: Tỷ lệ, en: Rate}
      - key: events
        type: integer
        label: {vi: Số cuộc, en: Events}
      - key: tel
        type: phone
        max_length: 12
        label: {vi: Số điện thoại, en: Phone}
"""
VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "vectors" / "numbers.json").read_text("utf-8")
)


@pytest.fixture
def figures(db):
    sync_definition(db.session, load_definition(FIGURES), FIGURES)
    db.session.commit()


def fill(client, answers):
    data = {
        "csrf_token": csrf_token(client, "/surveys/figures/fill"),
        "_response_id": str(uuid.uuid4()),
        **answers,
    }
    return client.post("/surveys/figures/fill", data=data)


TYPED = {
    "members.baseline": "1.250",
    "members": "1.500",
    "income.baseline": "12,5",
    "income": "1.250,75",
    "rate": "12.5",
    "events": "1.250.000",
    "tel": "0905123456",
}


def test_vietnamese_numbers_are_stored_shown_and_exported_as_numbers(client, login_as, figures, db):
    login_as("admin")
    response = fill(client, TYPED)
    assert response.status_code == 303, response.get_data(as_text=True)
    stored = {(a.question_key, a.part): a for a in db.session.scalars(select(Answer))}
    assert stored[("members", "baseline")].value_number == 1250
    assert stored[("members", None)].value_number == 1500
    assert stored[("income", "baseline")].value_number == 12.5
    assert stored[("income", None)].value_number == 1250.75
    assert stored[("rate", None)].value_number == 12.5
    assert stored[("events", None)].value_number == 1250000
    assert stored[("tel", None)].value_text == "0905123456"  # text: the leading 0 stays

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Đầu kỳ: 1.250 · Hiện nay: 1.500 người" in text
    assert "Thay đổi: +250 (+20%)" in text
    assert "Đầu kỳ: 12,5 · Hiện nay: 1.250,75 triệu đồng" in text
    assert "Thay đổi: +1.238,25 (+9.906%)" in text
    assert " 12,5 " in text and " 1.250.000 " in text and " 0905123456 " in text

    data = client.get("/admin/surveys/figures/responses.xlsx").data
    (cells,) = exported_rows(data)
    assert cells["members.baseline"] == 1250 and cells["members"] == 1500
    assert cells["income.baseline"] == 12.5 and cells["income"] == 1250.75
    assert cells["rate"] == 12.5 and cells["events"] == 1250000
    assert cells["tel"] == "0905123456"
    assert all(isinstance(cells[n], int | float) for n in ("members", "income", "events"))


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({"members": "12,5"}, "members", "Hãy nhập số nguyên, không có phần thập phân."),
        ({"events": "3.5"}, "events", "Hãy nhập số nguyên, không có phần thập phân."),
        ({"events": "1,250"}, "events", "Hãy dùng dấu chấm để tách hàng nghìn: 1.250."),
        (
            {"rate": "1,250"},
            "rate",
            "“1.250” hay “1,25”? Viết 1.250 nếu là số hàng nghìn, hoặc 1,25 nếu là số thập phân.",
        ),
        ({"tel": "0905 123 456"}, "tel", "Hãy nhập số điện thoại chỉ gồm các chữ số"),
    ],
)
def test_refused_numbers_say_why_in_vietnamese_and_store_nothing(
    client, login_as, figures, db, answers, field, message
):
    login_as("admin")
    response = fill(client, answers)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    error = re.search(rf'id="f-{field.replace(".", "-")}-err">([^<]*)<', html)
    assert error is not None and error.group(1).startswith(message)
    assert db.session.scalar(select(Response.id)) is None


def _page_code(code: str, integer: bool) -> str:
    """The data-messages key skip-logic.js picks for a problem code (its numberCode)."""
    if code == "malformed":
        return "integer" if integer else "decimal"
    if code == "ambiguous" and integer:
        return "ambiguousInteger"
    return code


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_the_page_and_the_server_say_the_same_for_every_refused_number(app, locale):
    as_integer = FIGURES.replace(
        "key: rate\n        type: decimal", "key: rate\n        type: integer"
    )
    definitions = {False: load_definition(FIGURES), True: load_definition(as_integer)}
    assert definitions[True].question("rate").is_integer  # type: ignore[union-attr]
    # (a blank answer is no answer: the form never reads it as a number)
    refused = [v for v in VECTORS["parse"] if "problem" in v and v["text"].strip()]
    assert len(refused) >= 30
    with app.test_request_context(headers={"Cookie": f"lang={locale}"}):
        messages = form_messages()
        for vector in refused:
            integer = vector.get("integer", False)
            result = validate(definitions[integer], {"rate": vector["text"]})
            page = messages[_page_code(vector["problem"], integer)]
            for name, value in vector.get("params", {}).items():
                page = page.replace("{" + name + "}", value)
            assert result.errors == {"rate": page}, vector
    assert NumberProblem("large") in [NumberProblem(v["problem"]) for v in refused]


def test_the_number_filter_writes_numbers_the_vietnamese_way(app):
    with app.test_request_context():
        shown = render_template_string(
            "{{ 1250|number }} {{ 12.5|number }} {{ 1250000.75|number }} {{ none|number }}."
        )
    assert shown == "1.250 12,5 1.250.000,75 ."


def test_inputs_ask_phones_for_the_right_keypad(client, login_as, figures):
    login_as("admin")
    html = client.get("/surveys/figures/fill").get_data(as_text=True)

    def attributes(name: str) -> str:
        match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html)
        assert match is not None, name
        return match.group(0)

    assert 'inputmode="numeric"' in attributes("members.baseline")
    assert 'inputmode="numeric"' in attributes("members")
    assert 'inputmode="numeric"' in attributes("events")
    assert 'inputmode="decimal"' in attributes("income")
    assert 'inputmode="decimal"' in attributes("rate")
    tel = attributes("tel")
    assert 'type="tel"' in tel and 'inputmode="tel"' in tel and 'maxlength="12"' in tel
    schema = json.loads(html_unescape(re.search(r'data-schema="([^"]*)"', html).group(1)))  # type: ignore[union-attr]
    assert schema["fields"]["members.baseline"]["type"] == "integer"
    assert schema["fields"]["income"]["type"] == "decimal"
    assert schema["fields"]["tel"] == {"type": "phone", "section": "s1", "maxLength": 12}


def test_response_counts_are_written_with_the_number_rule(client, login_as, figures):
    login_as("admin")
    assert fill(client, TYPED).status_code == 303
    page = client.get("/admin/surveys").get_data(as_text=True)
    assert "1 phiếu trả lời" in page
