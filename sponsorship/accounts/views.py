"""Signing in (password, then a second factor when the account has one) and out,
accepting an invitation, and "forgot your password?"."""

from __future__ import annotations

import time
from functools import wraps

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from sponsorship.accounts import resets, sessions
from sponsorship.accounts import services as accounts
from sponsorship.accounts import two_factor as totp
from sponsorship.accounts.forms import CodeForm, ForgotPasswordForm, LoginForm, SetPasswordForm
from sponsorship.accounts.passwords import strength_hint
from sponsorship.core.transaction import unit_of_work
from sponsorship.extensions import db, make_limiter
from sponsorship.models import User
from sponsorship.web.refusals import refusal
from sponsorship.web.security import safe_next

bp = Blueprint("auth", __name__)
#: Between the password and the second factor: (user id, when, where to go next).
_PENDING = "_2fa_pending"
#: The second factor must follow the password within this many seconds.
PENDING_SECONDS = 300
#: The views a client can hammer to guess a secret: each is under the login limit.
_LIMITED = ("auth.login", "auth.two_factor", "auth.forgot_password")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def init_rate_limits(app: Flask) -> None:
    """Limit login attempts per client address (memory, or Redis when REDIS_URL is set)."""
    limiter = make_limiter()
    limiter.init_app(app)
    # Flask-Limiter also checks every request in a before_request hook, for limits set
    # on the whole app or a blueprint. There are none (login's limit is checked by its
    # own decorator), and that hook cost a tenth of serving a kept page.
    # (Not registered at all while rate limiting is disabled.)
    hooks = app.before_request_funcs[None]
    if limiter._check_request_limit in hooks:
        hooks.remove(limiter._check_request_limit)
    # Flask-Limiter only holds a weak reference to itself and marks the function it
    # decorates; so the app keeps its limiter, and each app decorates its own wrapper.
    app.extensions["sponsorship.limiter"] = limiter
    for endpoint in _LIMITED:
        view = app.view_functions[endpoint]

        @wraps(view)
        def limited(*args, _view=view, **kwargs):
            return _view(*args, **kwargs)

        app.view_functions[endpoint] = limiter.limit(_login_limit, methods=["POST"])(limited)


def sign_in(user: User) -> None:
    """Start a server-side session for `user` in this browser and sign them in."""
    session.pop(_PENDING, None)
    with unit_of_work():
        sessions.start(user)
    login_user(user)


def end_browser_session() -> None:
    logout_user()
    session.pop(sessions.COOKIE_KEY, None)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data, url_for("main.home")))
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            target = safe_next(form.next.data, url_for("main.home"))
            if user.totp_secret:
                session[_PENDING] = [user.id, time.time(), target]
                return redirect(url_for("auth.two_factor"))
            sign_in(user)
            return redirect(target)
        # One message for an unknown account and a wrong password: no account probing.
        form.password.errors.append(_("The e-mail address or password is not correct."))
    return render_template("accounts/login.html", form=form), 200 if not form.errors else 422


def _pending_user() -> tuple[User | None, str]:
    pending = session.get(_PENDING)
    if not isinstance(pending, list) or len(pending) != 3:
        return None, ""
    user_id, started, target = pending
    if not isinstance(started, int | float) or time.time() - started > PENDING_SECONDS:
        session.pop(_PENDING, None)
        return None, ""
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.is_active:
        return None, ""
    return user, target if isinstance(target, str) else ""


@bp.route("/login/two-factor", methods=["GET", "POST"])
def two_factor():
    user, target = _pending_user()
    if user is None:
        flash(_("Please sign in again."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        if totp.verify(user, form.code.data):
            sign_in(user)
            return redirect(safe_next(target, url_for("main.home")))
        form.code.errors.append(_("That code is not right, or was already used."))
    status = 422 if form.errors else 200
    return render_template("accounts/two_factor_login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    # Every row of the account goes, so this cookie, a copy of it, and the account's
    # other browsers stop working on every process and host: a person who signs out
    # of a shared or lost-track-of computer is signed out there too (issue 17 asks
    # logout to end every session; the account page can still end one at a time).
    if sessions.current_id() is not None:
        with unit_of_work():
            sessions.end_all(current_user)
    end_browser_session()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    invitation = accounts.find_invitation(token)
    if invitation is None:
        return render_template("accounts/invitation_invalid.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        with refusal(form.password):
            user = accounts.accept_invitation(token, form.password.data)
            flash(_("Welcome, %(name)s. Your password is set.", name=user.name), "success")
            sign_in(user)
            return redirect(url_for("main.home"))
    return render_template(
        "accounts/accept_invitation.html", form=form, invitation=invitation, hint=strength_hint()
    )


@bp.route("/login/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        resets.request_reset(form.email.data)
        # The same answer whether or not the address has an account.
        return render_template("accounts/forgot_sent.html")
    status = 422 if form.errors else 200
    return render_template("accounts/forgot_password.html", form=form), status


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    link = accounts.find_link(token, accounts.RESET)
    if link is None:
        return render_template("accounts/reset_invalid.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        with refusal(form.password):
            accounts.use_link(token, form.password.data, accounts.RESET)
            end_browser_session()
            flash(_("Your password is changed and every session ended. Please sign in."), "success")
            return redirect(url_for("auth.login"))
    status = 422 if form.errors else 200
    return render_template("accounts/reset_password.html", form=form, hint=strength_hint()), status
