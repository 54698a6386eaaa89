"""Answering a poll at /p/<token> (no account), and the staff pages for links and posters.

Anonymity: nothing about the person is kept with a poll answer: no account, no address, no
user agent, no time finer than the day, no order among other rows (see
``services.store_poll_response`` and ``models.polls``); the request log line of /p/ pages is
dropped (``quiet_poll_logs``), and the rate limit counts a hash of link and address.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from functools import cache

from flask import (
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_wtf.csrf import ValidationError, generate_csrf, validate_csrf
from itsdangerous import BadSignature, Signer
from markupsafe import Markup
from sqlalchemy import select

from survey_app.access import Perm, access
from survey_app.config import PROJECT_ROOT
from survey_app.errors import UserError, json_requested, render_error
from survey_app.exports import xlsx_download
from survey_app.extensions import csrf, db, limiter
from survey_app.formpages import invalid_answers, new_response_id, read_submission
from survey_app.localtime import local_today, parse_local
from survey_app.models.polls import PollLink
from survey_app.models.surveys import Survey, SurveyVersion
from survey_app.polls import bp, services
from survey_app.registry.services import definition_of_version
from survey_app.responses.services import parse_response_id
from survey_app.surveys import rendering
from survey_app.surveys.model import Audience
from survey_app.units.picker import PICKER_ATTRS, unit_choices

HONEYPOT = "website"
#: Written answers listed per unit on the results page; the Excel export has them all.
TEXTS_ON_PAGE = 20
DONE_COOKIE = "p_done"


@cache
def poll_css() -> Markup:
    """The whole stylesheet of the poll page, inlined so the first 14 KB render it.

    Our own file, not user input: marked safe here so that quotes in font names survive
    and the CSP hash of the inline block matches.
    """
    css = (PROJECT_ROOT / "static" / "css" / "poll.css").read_text(encoding="utf-8").strip()
    return Markup(css)  # noqa: S704 - our own stylesheet, never user input


@cache
def poll_css_hash() -> str:
    digest = hashlib.sha256(poll_css().encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


def _poll_page(template: str, status: int = 200, **context):
    from survey_app import CONTENT_SECURITY_POLICY

    response = make_response(render_template(template, css=poll_css(), **context), status)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "style-src 'self'", f"style-src 'self' {poll_css_hash()}"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _done_signer() -> Signer:
    return _signer_for(current_app.config["SECRET_KEY"])


@cache
def _signer_for(secret_key: str) -> Signer:
    return Signer(secret_key, salt="poll-done")


def _answered_here(link: services.PollTarget) -> bool:
    """Whether this device already answered: a signed cookie naming the link, nothing else."""
    raw = request.cookies.get(f"{DONE_COOKIE}_{link.id}")
    if not raw:
        return False
    try:
        return _done_signer().unsign(raw) == link.token.encode()
    except BadSignature:
        return False


def _unavailable(link: services.PollTarget | None, state: services.LinkState | None = None):
    status = 404 if link is None or state is services.LinkState.NOT_YET else 410
    if request.method == "POST" and json_requested():
        if link is None:
            message = _("This poll link does not exist")
        elif state is services.LinkState.NOT_YET:
            message = _("This poll is not open yet")
        elif state is services.LinkState.FULL:
            message = _("This poll has received all the answers it needs")
        else:
            message = _("This poll is closed")
        return render_error(status, message)
    return _poll_page("polls/unavailable.html", status, link=link, state=state)


def _poll_limit() -> str:
    return current_app.config["POLL_POST_LIMIT"]


def _link_and_address() -> str:
    """What the poll submission limit counts: this link from this address (hashed)."""
    token = (request.view_args or {}).get("token", "")
    return services.limit_key(current_app.config["SECRET_KEY"], token, get_remote_address())


@bp.route("/p/<token>", methods=["GET", "POST"])
@access(public=True)
@csrf.exempt  # checked below, so that an expired token keeps the typed answers
@limiter.limit(_poll_limit, key_func=_link_and_address, methods=["POST"], scope="poll-post")
def answer(token: str):
    link = services.find_target(
        db.engine, token, max_age=current_app.config["POLL_LINK_CACHE_SECONDS"]
    )
    if link is None:
        return _unavailable(None)
    # Read only for a capped link (its count is kept on the link's row); not cached.
    taken = services.responses_taken(db.engine, link) if link.max_responses else 0
    state = services.state_of(link, taken)
    if link.version_id is None or not link.survey_active:
        state = services.LinkState.CLOSED
    if state is not services.LinkState.OPEN:
        return _unavailable(link, state)
    if _answered_here(link):
        if request.method == "POST" and json_requested():
            message = _("You have already answered this poll on this phone. Thank you!")
            return render_error(409, message)
        return _poll_page("polls/already.html", link=link)
    definition = definition_of_version(
        link.version_id, link.content_hash, lambda: db.session.get(SurveyVersion, link.version_id)
    )
    errors: dict[str, str] = {}
    notice = None
    if request.method == "POST":
        if request.form.get(HONEYPOT):  # a bot: store nothing, and say thanks all the same
            thanks_url = url_for(".thanks", token=token)
            if json_requested():
                return {"id": request.form.get("_response_id", ""), "url": thanks_url}, 201
            return redirect(thanks_url, 303)
        form = request.form.copy()
        form.poplist(HONEYPOT)
        submission = read_submission(definition, form, today=local_today())
        values, response_id, errors = submission.values, submission.response_id, submission.errors
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError:
            notice = _(
                "The page was open for a long time. Your answers are kept: please press Send again."
            )
            if json_requested():  # survey-form.js sends again with this token, by itself
                return render_error(400, notice, reason="csrf", csrf_token=generate_csrf())
            return _form(link, definition, values, errors, response_id, notice, 400)
        if submission.is_complete:
            stored_id = parse_response_id(response_id)
            try:
                # An engine connection, not the ORM session: nothing here needs objects.
                with db.engine.begin() as connection:
                    services.store_poll_response(
                        connection,
                        link,
                        sent_id=stored_id,
                        answers=submission.result.answers,
                        today=local_today(),
                        secret_key=current_app.config["SECRET_KEY"],
                    )
            except services.LinkFull:
                return _unavailable(link, services.LinkState.FULL)
            thanks_url = url_for(".thanks", token=token)
            if json_requested():  # the page forgets the answers only once it reads this
                response = make_response({"id": str(stored_id), "url": thanks_url}, 201)
            else:
                response = redirect(thanks_url, 303)
            response.set_cookie(
                f"{DONE_COOKIE}_{link.id}",
                _done_signer().sign(token).decode(),
                max_age=400 * 24 * 3600,
                path=f"/p/{token}",
                httponly=True,
                samesite="Lax",
                secure=request.is_secure,
            )
            return response
        if errors and json_requested():
            return invalid_answers(errors)
    else:
        values, response_id = rendering.default_values(definition), new_response_id()
    return _form(link, definition, values, errors, response_id, notice, 400 if errors else 200)


@bp.errorhandler(429)
def too_many_posts(exc):
    """Over the poll POST limit (workers sharing one factory Wi-Fi): keep the answers.

    The form comes back filled in, as after an expired token, with a message to send again
    in a minute; a page sending by script keeps its own answers and shows the same advice.
    """
    if request.endpoint != "polls.answer" or request.method != "POST":
        return render_error(429)
    notice = _(
        "Many answers were sent from this network just now. Your answers are kept: "
        "wait a minute, then press Send again."
    )
    if json_requested():
        return render_error(429, notice)
    link = services.find_target(
        db.engine,
        (request.view_args or {}).get("token", ""),
        max_age=current_app.config["POLL_LINK_CACHE_SECONDS"],
    )
    if link is None or link.version_id is None:
        return _unavailable(link)
    definition = definition_of_version(
        link.version_id, link.content_hash, lambda: db.session.get(SurveyVersion, link.version_id)
    )
    form = request.form.copy()
    form.poplist(HONEYPOT)
    submission = read_submission(definition, form, today=local_today())
    return _form(link, definition, submission.values, {}, submission.response_id, notice, 429)


def _form(link, definition, values, errors, response_id, notice, status):
    return _poll_page(
        "polls/answer.html",
        status,
        link=link,
        definition=definition,
        values=values,
        errors=errors,
        response_id=response_id,
        notice=notice,
        honeypot=HONEYPOT,
        csrf=generate_csrf(),
    )


@bp.get("/p/<token>/thanks")
@access(public=True)
def thanks(token: str):
    link = services.find_target(
        db.engine, token, max_age=current_app.config["POLL_LINK_CACHE_SECONDS"]
    )
    if link is None:
        return _unavailable(None)
    return _poll_page("polls/thanks.html", link=link)


# ---- staff pages -------------------------------------------------------------------------


@bp.get("/admin/polls")
@access(Perm.POLLS_MANAGE)
def list_links():
    polls = db.session.scalars(
        select(Survey).where(
            Survey.audience == Audience.WORKER_POLL.value, Survey.is_active.is_(True)
        )
    ).all()
    state_labels = {
        services.LinkState.OPEN: _("open"),
        services.LinkState.NOT_YET: _("not open yet"),
        services.LinkState.CLOSED: _("closed"),
        services.LinkState.EXPIRED: _("expired"),
        services.LinkState.FULL: _("full"),
    }
    return render_template(
        "polls/list_links.html",
        rows=services.list_links(db.session),
        polls=polls,
        units=unit_choices(db.session, _("— Choose a unit —")),
        picker=PICKER_ATTRS,
        base_url=current_app.config["BASE_URL"],
        state_labels=state_labels,
    )


def _parse_local(value: str | None) -> datetime | None:
    """A datetime-local form value, read as Vietnam time. Raises UserError."""
    try:
        return parse_local(value)
    except ValueError:
        raise UserError(_("Dates must look like 2017-09-30T17:00.")) from None


@bp.post("/admin/polls")
@access(Perm.POLLS_MANAGE)
def create_link():
    try:
        cap = request.form.get("max_responses", "").strip()
        unit_code = request.form.get("unit", "").strip()
        if not unit_code:
            raise UserError(_("Choose the unit the poll link is for."))
        link = services.create_link(
            db.session,
            request.form.get("survey", ""),
            unit_code,
            opens_at=_parse_local(request.form.get("opens_at")),
            closes_at=_parse_local(request.form.get("closes_at")),
            max_responses=int(cap) if cap.isdigit() else None,
            actor=current_user,
        )
    except UserError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for(".list_links"))
    db.session.commit()
    flash(_("Poll link created for %(unit)s.", unit=link.unit.name), "success")
    return redirect(url_for(".list_links"))


def _link(link_id: int) -> PollLink:
    return db.session.get(PollLink, link_id) or abort(404)


@bp.route("/admin/polls/<int:link_id>/close", methods=["GET", "POST"])
@access(Perm.POLLS_MANAGE)
def close_link(link_id: int):
    """GET asks for confirmation (a page: it works without JavaScript), POST closes."""
    link = _link(link_id)
    if request.method == "GET":
        return render_template(
            "polls/close_link.html",
            link=link,
            url=services.poll_url(current_app.config["BASE_URL"], link),
            responses=services.response_count(db.session, link),
        )
    _set_closed(link, True)
    flash(
        _(
            "The poll link of %(unit)s (%(poll)s) is closed; workers who open it or scan its "
            "QR code now see that the poll is closed. The answers already sent are kept.",
            unit=link.unit.name,
            poll=link.survey.title,
        ),
        "success",
    )
    return redirect(url_for(".list_links"))


@bp.post("/admin/polls/<int:link_id>/reopen")
@access(Perm.POLLS_MANAGE)
def reopen_link(link_id: int):
    link = _link(link_id)
    _set_closed(link, False)
    flash(
        _(
            "The poll link of %(unit)s (%(poll)s) is open again; workers can answer it.",
            unit=link.unit.name,
            poll=link.survey.title,
        ),
        "success",
    )
    return redirect(url_for(".list_links"))


def _set_closed(link: PollLink, closed: bool) -> None:
    services.set_closed(db.session, link, closed, actor=current_user)
    db.session.commit()
    # After the commit: a request in between would otherwise read the old state again.
    services.forget_target(link.token)


@bp.get("/admin/polls/<int:link_id>/qr.<fmt>")
@access(Perm.POLLS_MANAGE)
def qr_code(link_id: int, fmt: str):
    url = services.poll_url(current_app.config["BASE_URL"], _link(link_id))
    if fmt == "png":
        return Response(services.qr_png(url), mimetype="image/png")
    if fmt == "svg":
        return Response(services.qr_svg(url), mimetype="image/svg+xml")
    abort(404)


def _selected_links() -> list[PollLink]:
    ids = [int(i) for i in request.args.getlist("id") if i.isdigit()]
    stmt = select(PollLink).order_by(PollLink.id)
    if ids:
        stmt = stmt.where(PollLink.id.in_(ids))
    links = db.session.scalars(stmt).all()
    return links or abort(404)


@bp.get("/admin/polls/posters")
@access(Perm.POLLS_MANAGE)
def posters():
    base = current_app.config["BASE_URL"]
    items = [(link, services.poll_url(base, link)) for link in _selected_links()]
    return render_template("polls/posters.html", items=items)


@bp.get("/admin/polls/posters.zip")
@access(Perm.POLLS_MANAGE)
def posters_zip():
    data = services.qr_zip(current_app.config["BASE_URL"], _selected_links())
    return Response(
        data,
        mimetype="application/zip",
        headers={"Content-Disposition": "attachment; filename=ma-qr.zip"},
    )


def _poll_survey(key: str) -> Survey:
    survey = db.session.scalars(
        select(Survey).where(Survey.key == key, Survey.audience == Audience.WORKER_POLL.value)
    ).first()
    if survey is None or survey.current_version is None:
        abort(404)
    return survey


def _results(key: str):
    from survey_app.polls.results import poll_results

    return poll_results(
        db.session,
        _poll_survey(key),
        current_app.config["MIN_GROUP_SIZE"],
        order_key=_text_order_key(current_app.config["SECRET_KEY"]),
    )


@cache
def _text_order_key(secret_key: str | bytes) -> bytes:
    """A secret that orders free-text answers: stable, unrelated to when they came."""
    secret = secret_key if isinstance(secret_key, bytes) else secret_key.encode()
    return hashlib.sha256(b"poll-text-order:" + secret).digest()


def texts_note(threshold: int) -> str:
    return _(
        "Written answers are shown only for units where at least %(n)d people wrote one, "
        "in no particular order, without dates; the others are not shown.",
        n=threshold,
    )


def suppression_note(threshold: int) -> str:
    return _(
        "Figures for groups of fewer than %(n)d people are hidden (—) to protect the "
        "workers who answered; where needed, another small group is hidden too so that "
        "a hidden figure cannot be worked out from the totals.",
        n=threshold,
    )


@bp.get("/admin/polls/results/<key>")
@access(Perm.RESPONSES_VIEW)
def results(key: str):
    data = _results(key)
    return render_template(
        "polls/results.html",
        results=data,
        note=suppression_note(data.threshold),
        texts_note=texts_note(data.threshold),
        texts_on_page=TEXTS_ON_PAGE,
    )


@bp.get("/admin/polls/results/<key>.xlsx")
@access(Perm.RESPONSES_VIEW)
def results_xlsx(key: str):
    from survey_app.formpages import current_locale
    from survey_app.polls.results import SheetTexts
    from survey_app.polls.results import results_xlsx as build

    data = _results(key)
    words = SheetTexts(
        note=suppression_note(data.threshold),
        hidden="—",
        unit=_("Unit"),
        unit_code=_("Unit code"),
        people=_("People"),
        share=_("Share"),
        respondents=_("Respondents"),
        all_units=_("All units"),
        texts_sheet=_("Written answers"),
        texts_note=texts_note(data.threshold),
        question=_("Question"),
        answer=_("Answer"),
    )
    return xlsx_download(build(data, current_locale(), words), f"{key}-results.xlsx")


@bp.get("/api/polls/<key>/results")
@access(Perm.RESPONSES_VIEW)
def results_json(key: str):
    from survey_app.formpages import current_locale
    from survey_app.polls.results import results_as_dict

    data = _results(key)
    body = results_as_dict(data, current_locale())
    body["note"] = suppression_note(data.threshold)
    body["texts_note"] = texts_note(data.threshold)
    return body
