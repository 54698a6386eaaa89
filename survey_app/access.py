"""One access rule per route, declared where the route is; deny by default.

Every view carries exactly one ``@access(...)``. A ``before_request`` guard enforces it and
``check_all_routes_declared`` refuses to start an app with an undeclared endpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

from survey_app.models.users import Role
from survey_app.surveys.model import Audience


class Perm(StrEnum):
    UNITS_VIEW = "admin:units:view"
    UNITS_EDIT = "admin:units:edit"
    USERS_MANAGE = "admin:users:manage"
    SURVEYS_PREVIEW = "surveys:definitions:preview"
    SURVEYS_MANAGE = "surveys:definitions:manage"
    SURVEYS_RESPOND = "surveys:responses:create"
    RESPONSES_VIEW = "surveys:responses:view"
    POLLS_MANAGE = "polls:links:manage"
    CAMPAIGNS_MANAGE = "campaigns:definitions:manage"
    PLAN_MANAGE = "campaigns:plan:manage"
    VISITS_CONDUCT = "fieldwork:visits:conduct"
    REPORTS_FILE = "reports:units:file"
    REPORTS_READ = "reports:units:read"
    REVIEW_READ = "review:results:read"
    FINDINGS_WRITE = "review:findings:write"
    FINDINGS_DECIDE = "review:findings:decide"
    AUDIT_VIEW = "admin:audit:view"


ROLE_PERMS: dict[Role, frozenset[Perm]] = {
    Role.ADMIN: frozenset(Perm),
    Role.OFFICE: frozenset(
        {Perm.UNITS_VIEW, Perm.SURVEYS_PREVIEW, Perm.SURVEYS_RESPOND, Perm.RESPONSES_VIEW,
         Perm.POLLS_MANAGE, Perm.PLAN_MANAGE, Perm.REPORTS_READ, Perm.REVIEW_READ}
    ),
    # Findings: a department writes those of its own areas (review.findings decides which);
    # only Ban Tổ chức approves or returns them.
    Role.ORGANIZATION: frozenset({Perm.UNITS_VIEW, Perm.RESPONSES_VIEW, Perm.REPORTS_READ,
                                  Perm.REVIEW_READ, Perm.FINDINGS_DECIDE}),
    Role.REVIEWER: frozenset({Perm.UNITS_VIEW, Perm.RESPONSES_VIEW, Perm.REPORTS_READ,
                              Perm.REVIEW_READ, Perm.FINDINGS_WRITE}),
    Role.INSPECTOR: frozenset({Perm.SURVEYS_RESPOND, Perm.VISITS_CONDUCT}),
    # A reporter reads the reports of the units under its own (reports.services decides).
    Role.REPORTER: frozenset({Perm.SURVEYS_RESPOND, Perm.REPORTS_FILE, Perm.REPORTS_READ}),
}


def has_perm(user, perm: Perm) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return perm in ROLE_PERMS.get(Role(user.role), frozenset())


#: Who fills in which kind of staff survey: inspectors the inspection checklists, a unit's
#: reporter its unit report, the Office and administrators either (a form sent on paper).
#: Worker polls are answered anonymously through their printed links only.
RESPONDENTS: dict[Audience, frozenset[Role]] = {
    Audience.INSPECTION: frozenset({Role.ADMIN, Role.OFFICE, Role.INSPECTOR}),
    Audience.UNIT_REPORT: frozenset({Role.ADMIN, Role.OFFICE, Role.REPORTER}),
    Audience.WORKER_POLL: frozenset(),
}


def may_respond(user, audience: str) -> bool:
    """Whether ``user`` fills in surveys of ``audience`` (an Audience value)."""
    if not has_perm(user, Perm.SURVEYS_RESPOND) or audience not in set(Audience):
        return False
    return Role(user.role) in RESPONDENTS[Audience(audience)]


@dataclass(frozen=True)
class Rule:
    public: bool = False
    login: bool = False
    perms: tuple[Perm, ...] = ()
    #: With several permissions: any one of them is enough (otherwise all are needed).
    any_of: bool = False

    def allows(self, user) -> bool:
        check = any if self.any_of else all
        return check(has_perm(user, p) for p in self.perms)

    def describe(self) -> str:
        if self.public:
            return "public"
        if self.perms:
            return ",".join(self.perms)
        return "login"


def access(
    *perms: Perm, public: bool = False, login: bool = False, any_of: bool = False
) -> Callable:
    """Declare who may reach a view: ``public=True``, ``login=True`` or permissions (all of
    them, or any one of them with ``any_of=True``)."""
    if sum([public, login, bool(perms)]) != 1:
        raise ValueError("access() takes exactly one of public=True, login=True or permissions")

    def decorate(view: Callable) -> Callable:
        if hasattr(view, "access_rule"):
            raise ValueError(f"{view.__name__} already has an access rule")
        view.access_rule = Rule(public=public, login=login, perms=tuple(perms), any_of=any_of)  # type: ignore[attr-defined]
        return view

    return decorate


def rule_for(app: Flask, endpoint: str | None) -> Rule | None:
    view = app.view_functions.get(endpoint or "")
    return getattr(view, "access_rule", None)


UNGUARDED_ENDPOINTS = frozenset({"static"})


def check_all_routes_declared(app: Flask) -> None:
    """Refuse to start when any endpoint lacks an access rule."""
    missing = sorted(
        endpoint
        for endpoint in app.view_functions
        if endpoint not in UNGUARDED_ENDPOINTS and rule_for(app, endpoint) is None
    )
    if missing:
        raise RuntimeError(f"Routes without an access rule: {', '.join(missing)}")


def enforce_access():
    """``before_request`` guard: apply the endpoint's declared rule."""
    if request.endpoint is None or request.endpoint in UNGUARDED_ENDPOINTS:
        return None  # 404/405 are raised by routing itself
    rule = rule_for(current_app, request.endpoint)
    if rule is None:
        abort(403)
    if rule.public:
        return None
    if not current_user.is_authenticated:
        if request.method == "GET":
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(401)
    if rule.perms and not rule.allows(current_user):
        abort(403)
    return None
