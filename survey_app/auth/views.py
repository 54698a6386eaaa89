"""Sign in and out; failed sign-ins are throttled per account and per client address."""

from __future__ import annotations

from flask import current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, logout_user

from survey_app.access import access
from survey_app.accounts.services import authenticate, sign_out_everywhere
from survey_app.auth import bp, sessions
from survey_app.auth.forms import LoginForm
from survey_app.extensions import db, limiter
from survey_app.main.views import safe_next
from survey_app.models.users import Role


def _login_failed(_response) -> bool:
    return bool(g.get("login_failed"))


def _account_key() -> str:
    return "login-account:" + (request.form.get("username") or "").strip().lower()[:80]


def _login_limit() -> str:
    return current_app.config["LOGIN_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@access(public=True)
@limiter.limit(
    _login_limit,
    key_func=get_remote_address,
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-address",
)
@limiter.limit(
    _login_limit,
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-account",
)
def login():
    if current_user.is_authenticated:
        return redirect(start_page(current_user))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = authenticate(db.session, form.username.data, form.password.data)
        if user is not None:
            session.clear()  # a fresh session at sign-in: nothing carried over
            sessions.start(user)
            db.session.commit()
            return redirect(safe_next(_asked_for(request.args.get("next")), start_page(user)))
        g.login_failed = True
        error = _("Wrong username or password.")
    status = 401 if error else 200
    return render_template("auth/login.html", form=form, error=error), status


def _asked_for(target: str | None) -> str | None:
    """The page that sent the person to sign in; the front page asks for nothing in
    particular (each role has its own start)."""
    return None if target in ("/", url_for("main.index")) else target


def start_page(user) -> str:
    """Where signing in leads when no page asked for it: an inspector's own visits ("Lịch
    kiểm tra của tôi", issue 11), everyone else's home page."""
    if user.role == Role.INSPECTOR.value:
        return url_for("fieldwork.my_visits")
    return url_for("main.index")


@bp.post("/logout")
@access(login=True)
def logout():
    # Ends every session of the account, a copy of this cookie included.
    sign_out_everywhere(db.session, current_user)
    db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))
