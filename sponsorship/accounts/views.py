"""Signing in and out, and accepting an invitation."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from sponsorship.accounts import services as accounts
from sponsorship.accounts.forms import LoginForm, SetPasswordForm
from sponsorship.extensions import make_limiter
from sponsorship.web.refusals import refusal
from sponsorship.web.security import safe_next

bp = Blueprint("auth", __name__)


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
    view = app.view_functions["auth.login"]

    @wraps(view)
    def login_limited(*args, **kwargs):
        return view(*args, **kwargs)

    app.view_functions["auth.login"] = limiter.limit(_login_limit, methods=["POST"])(login_limited)


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
            login_user(user)
            return redirect(safe_next(form.next.data, url_for("main.home")))
        # One message for an unknown account and a wrong password: no account probing.
        form.password.errors.append(_("The e-mail address or password is not correct."))
    return render_template("accounts/login.html", form=form), 200 if not form.errors else 422


@bp.post("/logout")
@login_required
def logout():
    logout_user()
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
            login_user(user)
            flash(_("Welcome, %(name)s. Your password is set.", name=user.name), "success")
            return redirect(url_for("main.home"))
    return render_template("accounts/accept_invitation.html", form=form, invitation=invitation)
