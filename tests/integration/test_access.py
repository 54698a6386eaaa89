"""Every route has a rule, and the rule holds for anonymous visitors and every role.

A new route fails this suite until it is added to EXPECTED with who may reach it.
"""

import re
import uuid

import pytest

from survey_app.access import access, check_all_routes_declared
from survey_app.models import Role
from tests.conftest import csrf_token

ANYONE = "public"
SIGNED_IN = "login"
STAFF = {"admin", "office", "reviewer", "organization"}

EXPECTED: dict[str, str | set[str]] = {
    "main.index": SIGNED_IN,
    "main.healthz": ANYONE,
    "main.favicon": ANYONE,
    "main.set_language": ANYONE,
    "auth.login": ANYONE,
    "auth.logout": SIGNED_IN,
    "admin.index": STAFF,
    "admin.list_units": STAFF,
    "admin.export_units": STAFF,
    "admin.create_unit": {"admin"},
    "admin.edit_unit": {"admin"},
    "admin.import_units": {"admin"},
    "admin.list_users": {"admin"},
    "admin.create_user": {"admin"},
    "admin.edit_user": {"admin"},
    "admin.reset_password": {"admin"},
    "catalog.list_surveys": {"admin", "office"},
    "catalog.sync_surveys": {"admin"},
    "catalog.preview": {"admin", "office"},
    # The sample survey is an inspection checklist: reporters fill unit reports (test_fill_roles).
    "catalog.fill": {"admin", "office", "inspector"},
    "catalog.view_response": {"admin", "office", "inspector", "reporter", "organization",
                              "reviewer"},
    "catalog.export_responses": {"admin", "office", "organization", "reviewer"},
    "catalog.list_responses": {"admin", "office", "organization", "reviewer"},
    "api.submit_response": {"admin", "office", "inspector"},
    "polls.answer": ANYONE,
    "polls.thanks": ANYONE,
    "polls.list_links": {"admin", "office"},
    "polls.create_link": {"admin", "office"},
    "polls.close_link": {"admin", "office"},
    "polls.reopen_link": {"admin", "office"},
    "polls.qr_code": {"admin", "office"},
    "polls.posters": {"admin", "office"},
    "polls.posters_zip": {"admin", "office"},
    "polls.results": {"admin", "office", "organization", "reviewer"},
    "polls.results_xlsx": {"admin", "office", "organization", "reviewer"},
    "polls.results_json": {"admin", "office", "organization", "reviewer"},
    "campaigns.list_campaigns": SIGNED_IN,
    "campaigns.show_campaign": SIGNED_IN,
    "campaigns.admin_campaigns": {"admin"},
    "campaigns.sync_campaigns": {"admin"},
    "campaigns.new_campaign": {"admin"},
    "review.review": STAFF,
    "review.findings": STAFF,
    "review.show_finding": STAFF,
    "review.create_finding": {"admin", "reviewer"},
    "review.edit_finding": {"admin", "reviewer"},
    "review.submit_finding": {"admin", "reviewer"},
    "review.approve_finding": {"admin", "organization"},
    "review.return_finding": {"admin", "organization"},
    "review.signoff": STAFF,
    "review.report": STAFF,
    "review.report_docx": STAFF,
    "review.audit_log": {"admin"},
    "offline.manifest": ANYONE,
    "offline.service_worker": ANYONE,
    "offline.offline_page": ANYONE,
    "offline.outbox": SIGNED_IN,
    "offline.pages": SIGNED_IN,
    "offline.token": SIGNED_IN,
    # Inspections (issue 11): which visit a person reaches is test_fieldwork_pages's matter.
    "fieldwork.show_plan": {"admin", "office"},
    "fieldwork.create_team": {"admin", "office"},
    "fieldwork.add_visit": {"admin", "office"},
    "fieldwork.finalize_plan": {"admin", "office"},
    "fieldwork.remove_visit": {"admin", "office"},
    "fieldwork.my_visits": {"admin", "inspector"},
    "fieldwork.show_visit": {"admin", "office", "inspector"},
    "fieldwork.checklist": {"admin", "office", "inspector"},
    # Unit reports: which unit's report, and what may be done with it, is decided by
    # reports.services.access_to (tests/integration/test_report_pages.py).
    "reports.show_report": STAFF | {"reporter"},
    "reports.submit_report": {"admin", "reporter"},
    "reports.save_draft": {"admin", "reporter"},
    "reports.prefill_report": {"admin", "reporter"},
    "reports.return_report": STAFF | {"reporter"},
    "reports.upload_attachment": {"admin", "reporter"},
    "reports.download_attachment": STAFF | {"reporter"},
    "reports.list_reports": STAFF | {"reporter"},
}


def test_every_route_is_listed_here(app):
    endpoints = {e for e in app.view_functions if e != "static"}
    assert endpoints == set(EXPECTED), "add new routes to EXPECTED with who may reach them"


def test_a_route_without_a_rule_stops_the_app_from_starting(app):
    from flask import Flask

    bare = Flask("bare")

    @bare.get("/open")
    def open_door():
        return "?"

    with pytest.raises(RuntimeError, match="open_door"):
        check_all_routes_declared(bare)

    @bare.get("/closed")
    @access(login=True)
    def closed_door():
        return "ok"

    bare.view_functions.pop("open_door")
    check_all_routes_declared(bare)


def _url(app, rule, sample):
    values = {}
    for arg in rule.arguments:
        values[arg] = sample[arg]
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def _requests(app, sample):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        for method in methods:
            yield rule.endpoint, method, _url(app, rule, sample)


def _check(client, endpoint, method, url, who):
    data = {"csrf_token": csrf_token(client)} if method == "POST" else None
    if endpoint == "main.set_language":
        data["lang"] = "vi"
    response = client.open(url, method=method, data=data)
    status = response.status_code
    expected = EXPECTED[endpoint]
    assert status < 500, (endpoint, method, who, status)
    if expected == ANYONE:
        assert status not in (401, 403), (endpoint, who, status)
    elif who == "anonymous":
        if method == "GET":
            assert status == 302 and "/login" in response.headers["Location"], (endpoint, status)
        else:
            assert status == 401, (endpoint, method, status)
    elif expected == SIGNED_IN or who in expected:
        assert status not in (401, 403), (endpoint, method, who, status)
    else:
        assert status == 403, (endpoint, method, who, status)
        assert "Bạn không có quyền" in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["anonymous", *[r.value for r in Role]])
def test_each_route_answers_each_role_as_expected(app, make_user, login, who, sample_survey):
    target = make_user("inspector", username="target")
    sample = {"code": "KT-DAKHA", "user_id": target.id, "key": "sample_check",
              "response_id": uuid.uuid4(), "token": "no-such-token", "link_id": 999999,
              "fmt": "png", "finding_id": 999999, "area": "1.3", "visit_id": 999999,
              "attachment_id": 999999}
    client = app.test_client()
    if who != "anonymous":
        client = login(make_user(who))
        client.environ_base["HTTP_ACCEPT"] = "text/html"
    requests = sorted(_requests(app, sample), key=lambda r: r[0] == "auth.logout")
    assert len(requests) >= len(EXPECTED)
    for endpoint, method, url in requests:
        _check(client, endpoint, method, url, who)


def test_login_redirect_keeps_where_the_user_was_going(client):
    response = client.get("/admin/units?q=Kon")
    assert response.status_code == 302
    assert re.search(r"/login\?next=/admin/units", response.headers["Location"])
