"""A sample URL for every page of the app, built from one small world of test data.

tests/browser/test_every_page.py visits each sample at 320 and 360 px. Every GET route of
``app.url_map`` must appear either in ``PAGES`` (how to reach it, and as whom) or in
``NOT_PAGES`` (why it is no page: a download, JSON, a redirect-only route); a new route
in neither fails the test, so pages added later are measured too.

To add a page: add its endpoint to ``PAGES`` with a function of the ``World`` returning
one or more ``visit(...)``: the role to sign in as (``ANONYMOUS`` for none) and the
values ``url_for`` needs. Need more data? Add it in ``build_world``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from survey_app.models.users import Role
from tests.conftest import PROJECT_SURVEYS
from tests.factories import add_poll_answers

ANONYMOUS = None
INSPECTION, UNIT_REPORT, POLL = "inspection_2017", "unit_report_2017", "worker_poll_2017"
CAMPAIGN = "nq20_2017"
#: A grassroots union under the reporter's district whose report is sent (build_world).
SENT_REPORT_UNIT = "MAU-CDCS-DAKHA01"


@dataclass(frozen=True)
class Visit:
    role: str | None
    values: dict = field(default_factory=dict)


def visit(role: str | None = Role.ADMIN.value, **values) -> Visit:
    """Sign in as ``role`` (``ANONYMOUS``: not at all) and open url_for(endpoint, **values)."""
    return Visit(role, values)


@dataclass
class World:
    """Objects every page can be shown with; usernames per role for signing in."""

    users: dict[str, str]
    unit_code: str
    other_user_id: int
    response_id: uuid.UUID
    poll_link_id: int
    poll_token: str
    survey_keys: tuple[str, ...] = (INSPECTION, UNIT_REPORT, POLL)


PAGES: dict[str, Callable[[World], list[Visit]]] = {
    "main.index": lambda w: [visit(role.value) for role in Role],
    "auth.login": lambda w: [visit(ANONYMOUS)],
    "admin.index": lambda w: [visit()],
    "admin.list_units": lambda w: [visit(), visit(q="dak ha")],
    "admin.create_unit": lambda w: [visit()],
    "admin.edit_unit": lambda w: [visit(code=w.unit_code)],
    "admin.import_units": lambda w: [visit()],
    "admin.list_users": lambda w: [visit()],
    "admin.create_user": lambda w: [visit()],
    "admin.edit_user": lambda w: [visit(user_id=w.other_user_id)],
    "catalog.list_surveys": lambda w: [visit()],
    "catalog.preview": lambda w: [visit(key=key) for key in w.survey_keys],
    "catalog.fill": lambda w: [visit(Role.INSPECTOR.value, key=INSPECTION),
                               visit(Role.REPORTER.value, key=UNIT_REPORT)],
    "catalog.view_response": lambda w: [visit(key=INSPECTION, response_id=w.response_id)],
    "catalog.list_responses": lambda w: [visit(key=INSPECTION),
                                         visit(Role.REVIEWER.value, key=INSPECTION, unit="KT")],
    "polls.list_links": lambda w: [visit()],
    "polls.close_link": lambda w: [visit(link_id=w.poll_link_id)],
    "polls.posters": lambda w: [visit(id=w.poll_link_id)],
    "polls.results": lambda w: [visit(key=POLL)],
    "polls.answer": lambda w: [visit(ANONYMOUS, token=w.poll_token)],
    "campaigns.list_campaigns": lambda w: [visit(Role.REPORTER.value)],
    "campaigns.show_campaign": lambda w: [visit(Role.INSPECTOR.value, key=CAMPAIGN)],
    "campaigns.admin_campaigns": lambda w: [visit()],
    "campaigns.new_campaign": lambda w: [visit(**{"from": CAMPAIGN})],
    "polls.thanks": lambda w: [visit(ANONYMOUS, token=w.poll_token)],
    # a district's reporter: its own report (with its units' figures), then a unit's sent one
    "reports.show_report": lambda w: [
        visit(Role.REPORTER.value, key=CAMPAIGN),
        visit(Role.REPORTER.value, key=CAMPAIGN, unit=SENT_REPORT_UNIT),
        visit(Role.OFFICE.value, key=CAMPAIGN, unit=SENT_REPORT_UNIT)],
    "reports.list_reports": lambda w: [visit(Role.OFFICE.value, key=CAMPAIGN),
                                       visit(Role.REPORTER.value, key=CAMPAIGN)],
}

NOT_PAGES: dict[str, str] = {
    "static": "files",
    "main.healthz": "JSON health check",
    "main.favicon": "the icon",
    "admin.export_units": "Excel download",
    "catalog.export_responses": "Excel download",
    "polls.qr_code": "QR code image",
    "polls.posters_zip": "ZIP download",
    "polls.results_xlsx": "Excel download",
    "polls.results_json": "JSON",
    "reports.download_attachment": "file download",
}

LONG_TEXT = (
    "Ban Thường vụ đã quán triệt Nghị quyết đến toàn thể đoàn viên; tài liệu tại "
    "https://congdoan.vn/tai-lieu/nghi-quyet-20-nq-tw-ve-tiep-tuc-doi-moi-noi-dung-phuong-thuc"
)


def _some_answers(definition, n: int) -> dict[str, str]:
    """A plausible answer to each choice and text question, varied by ``n``."""
    answers: dict[str, str] = {}
    for question in definition.questions():
        kind = question.type.value
        if question.rows:
            for i, row in enumerate(question.rows):
                answers[row.key] = question.choices[(n + i) % len(question.choices)].value
        elif question.choices:
            answers[question.key] = question.choices[n % len(question.choices)].value
        elif kind in ("text", "long_text"):
            answers[question.key] = LONG_TEXT[: question.max_length or None]
    return answers


def build_world(db, make_user) -> World:
    """The shipped roster and surveys, a user of every role, a stored inspection, a poll link
    with enough answers for its results to show."""
    from survey_app.campaigns.services import sync_campaigns
    from survey_app.models.responses import Channel
    from survey_app.polls import services as polls
    from survey_app.registry.services import definition_of, get_survey, sync_surveys
    from survey_app.responses.services import store_response
    from survey_app.surveys.validation import validate

    sync_surveys(db.session, PROJECT_SURVEYS)
    sync_campaigns(db.session, PROJECT_SURVEYS / "campaigns")
    db.session.commit()
    users = {role.value: make_user(role.value) for role in Role}
    inspector = users[Role.INSPECTOR.value]

    survey = get_survey(db.session, INSPECTION)
    result = validate(definition_of(survey.current_version), _some_answers(
        definition_of(survey.current_version), 0))
    response_id = uuid.uuid4()
    store_response(db.session.connection(), response_id=response_id,
                   version_id=survey.current_version_id, survey_id=survey.id,
                   answers=result.answers, channel=Channel.WEB, today=dt.date.today(),
                   now=dt.datetime.now(dt.UTC), unit_id=inspector.unit_id,
                   submitted_by_id=inspector.id)

    links = [polls.create_link(db.session, POLL, code)
             for code in ("MAU-CDCS-TPKT01", "MAU-CDCS-DAKHA01", "MAU-CDCS-NGOCHOI01")]
    db.session.commit()  # the poll reads its link on a connection of its own
    poll = get_survey(db.session, POLL)
    definition = definition_of(poll.current_version)
    for link, count in zip(links, (7, 6, 2), strict=True):
        for n in range(count):
            answers = validate(definition, _some_answers(definition, n)).answers
            add_poll_answers(db, link, answers)
    db.session.commit()
    _send_unit_report(db, make_user)
    return World(
        users={role: user.username for role, user in users.items()},
        unit_code="MAU-CDCS-NGOCHOI01",
        other_user_id=users[Role.REPORTER.value].id,
        response_id=response_id,
        poll_link_id=links[0].id,
        poll_token=links[0].token,
    )


def _send_unit_report(db, make_user) -> None:
    """The report of SENT_REPORT_UNIT, sent with its signed document (reports pages)."""
    from flask import current_app
    from sqlalchemy import select

    from survey_app.campaigns.services import get_campaign
    from survey_app.models.units import Unit
    from survey_app.registry.services import definition_of, get_survey
    from survey_app.reports import services as reports
    from survey_app.surveys.validation import validate

    campaign = get_campaign(db.session, CAMPAIGN)
    unit = db.session.scalars(select(Unit).where(Unit.code == SENT_REPORT_UNIT)).one()
    reporter = make_user(Role.REPORTER.value, unit_code=SENT_REPORT_UNIT)
    survey = get_survey(db.session, UNIT_REPORT)
    definition = definition_of(survey.current_version)
    answers = {**_some_answers(definition, 1), "dien_thoai": "0905123456",
               "ngay_hoi_nghi": "2017-09-28", "a12_ind_doan_vien": "1250",
               "a12_ind_doan_vien.baseline": "980", "a12_ind_cdcs": "5",
               "a12_ind_cdcs.baseline": "4"}
    today, now = dt.date(2017, 10, 3), dt.datetime(2017, 10, 3, 2, tzinfo=dt.UTC)
    result = validate(definition, answers, today=today)
    assert result.ok, result.errors
    reports.attach(db.session, campaign, unit, "Báo cáo tổng kết NQ20 - CĐCS Cà phê Đắk Hà.pdf",
                   b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", user=reporter,
                   access=reports.Access.FILE,
                   folder=Path(current_app.instance_path) / "attachments", today=today)
    reports.submit_report(db.session, campaign, unit, uuid.uuid4(), result.answers,
                          version_id=survey.current_version_id, survey_id=survey.id,
                          user=reporter, access=reports.Access.FILE, today=today, now=now)
    db.session.commit()
