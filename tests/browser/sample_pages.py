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
    finding_id: int
    survey_keys: tuple[str, ...] = (INSPECTION, UNIT_REPORT, POLL)
    #: Inspection visits of the inspector's team: one planned (with a draft), one sent.
    visit_id: int = 0
    sent_visit_id: int = 0


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
    "review.review": lambda w: [visit(Role.REVIEWER.value, key=CAMPAIGN),
                                visit(Role.ORGANIZATION.value, key=CAMPAIGN, area="1.3")],
    "review.findings": lambda w: [visit(Role.REVIEWER.value, key=CAMPAIGN)],
    "review.show_finding": lambda w: [visit(Role.REVIEWER.value, key=CAMPAIGN,
                                            finding_id=w.finding_id)],
    "review.signoff": lambda w: [visit(Role.ORGANIZATION.value, key=CAMPAIGN)],
    "review.report": lambda w: [visit(Role.ORGANIZATION.value, key=CAMPAIGN, area="1.3")],
    "review.audit_log": lambda w: [visit()],
    "offline.outbox": lambda w: [visit(Role.INSPECTOR.value)],
    "offline.offline_page": lambda w: [visit(ANONYMOUS)],
    "fieldwork.show_plan": lambda w: [visit(Role.OFFICE.value, key=CAMPAIGN)],
    "fieldwork.remove_visit": lambda w: [visit(Role.OFFICE.value, key=CAMPAIGN,
                                               visit_id=w.visit_id)],
    "fieldwork.my_visits": lambda w: [visit(Role.INSPECTOR.value)],
    "fieldwork.show_visit": lambda w: [visit(Role.INSPECTOR.value, visit_id=w.visit_id),
                                       visit(Role.INSPECTOR.value, visit_id=w.sent_visit_id)],
    "fieldwork.checklist": lambda w: [visit(Role.INSPECTOR.value, visit_id=w.visit_id),
                                      visit(Role.INSPECTOR.value, visit_id=w.sent_visit_id)],
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
    "review.report_docx": "Word download",
    "offline.manifest": "the web app manifest (JSON)",
    "offline.service_worker": "the service worker script",
    "offline.pages": "JSON for the service worker",
    "offline.token": "JSON for the outbox",
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
    from survey_app.campaigns.services import get_campaign, sync_campaigns
    from survey_app.models.responses import Channel
    from survey_app.polls import services as polls
    from survey_app.registry.services import definition_of, get_survey, sync_surveys
    from survey_app.responses.services import store_response
    from survey_app.review.findings import create_finding
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
    finding = create_finding(
        db.session, get_campaign(db.session, CAMPAIGN), user=users[Role.REVIEWER.value],
        area="1.3", kind="strength", text=LONG_TEXT, evidence=["indicator:a13_ind_thoa_uoc"])
    db.session.commit()
    visit_id, sent_visit_id = _plan_visits(db, make_user, inspector)
    _send_unit_report(db, make_user)
    return World(
        visit_id=visit_id,
        sent_visit_id=sent_visit_id,
        users={role: user.username for role, user in users.items()},
        unit_code="MAU-CDCS-NGOCHOI01",
        other_user_id=users[Role.REPORTER.value].id,
        response_id=response_id,
        poll_link_id=links[0].id,
        poll_token=links[0].token,
        finding_id=finding.id,
    )


def _plan_visits(db, make_user, inspector) -> tuple[int, int]:
    """A team led by ``inspector`` with a long-named member, the campaign's plan of seven
    visits (met, final), a draft on one visit and the checklist sent for another."""
    from survey_app.campaigns.services import get_campaign
    from survey_app.fieldwork import services as fieldwork
    from survey_app.registry.services import definition_of
    from survey_app.surveys.validation import validate

    campaign = get_campaign(db.session, CAMPAIGN)
    member = make_user(Role.INSPECTOR.value, full_name="Nguyễn Thị Thanh Hương")
    fieldwork.create_team(db.session, campaign, "Đoàn kiểm tra số 1", inspector.username,
                          [member.username])
    codes = ["KT-TPKT", "KT-DAKHA", "KT-DAKTO", "MAU-NGANH-GD", "MAU-CDCS-TT01",
             "MAU-TW-DIENLUC", "MAU-TW-BUUDIEN"]
    visits = [fieldwork.add_visit(db.session, campaign, code, "Đoàn kiểm tra số 1",
                                  dt.date(2017, 9, 5 + 3 * i)) for i, code in enumerate(codes)]
    fieldwork.finalize_plan(db.session, campaign)
    visits[0].draft = {"a11_uu_diem": [LONG_TEXT]}
    visits[0].draft_saved_at = dt.datetime(2017, 9, 5, 3, 30, tzinfo=dt.UTC)
    visits[0].draft_saved_by_id = member.id
    survey = fieldwork.inspection_survey(db.session, campaign)
    definition = definition_of(survey.current_version)
    answers = validate(definition, {**_some_answers(definition, 1), "visit_date": "2017-09-08"},
                       today=dt.date(2017, 9, 30)).answers
    fieldwork.submit_checklist(db.session, visits[1], survey=survey, response_id=uuid.uuid4(),
                               answers=answers, user=member, today=dt.date(2017, 9, 8),
                               now=dt.datetime(2017, 9, 8, 9, 15, tzinfo=dt.UTC))
    db.session.commit()
    return visits[0].id, visits[1].id
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
