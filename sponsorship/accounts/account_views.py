"""Every user's own account page: name and language, password, two-factor sign-in,
and the browsers signed in to the account, each of which can be signed out."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from sponsorship.accounts import lifecycle, sessions, two_factor
from sponsorship.accounts.devices import describe
from sponsorship.accounts.forms import (
    ChangePasswordForm,
    CodeForm,
    PasswordConfirmForm,
    ProfileForm,
)
from sponsorship.accounts.passwords import strength_hint
from sponsorship.accounts.services import password_matches
from sponsorship.accounts.views import end_browser_session
from sponsorship.web.forms import kept_form, redirect_with_errors
from sponsorship.web.refusals import refusal

bp = Blueprint("account", __name__, url_prefix="/account")
#: The enrolment secret, kept in the (signed) session until a code confirms it.
_NEW_SECRET = "_totp_new_secret"  # noqa: S105 - a session key name
#: What an administrator who must enrol may still open.
_BEFORE_ENROLMENT = {"account.two_factor_setup", "auth.logout", "main.set_language", "static"}


@bp.before_request
@login_required
def _signed_in_only():
    """Every page here is the signed-in user's own."""


@bp.before_app_request
def _administrators_enrol_first():
    """With TWO_FACTOR_REQUIRED, an administrator without it is sent to enrolment."""
    if not current_app.config["TWO_FACTOR_REQUIRED"] or request.endpoint in _BEFORE_ENROLMENT:
        return None
    if request.endpoint is None:
        return None
    if current_user.is_authenticated and current_user.is_admin and not current_user.totp_secret:
        return redirect(url_for("account.two_factor_setup"))
    return None


def _page():
    # A form refused by its POST comes back here (redirect_with_errors): the page keeps
    # its own URL, and the refused form its typed values (never a password) and errors.
    forms = {
        "profile": kept_form(ProfileForm) or ProfileForm(obj=current_user, formdata=None),
        "password": kept_form(ChangePasswordForm) or ChangePasswordForm(formdata=None),
        "disable": kept_form(PasswordConfirmForm) or PasswordConfirmForm(formdata=None),
    }
    if not forms["profile"].locale.data:
        forms["profile"].locale.data = "en"
    rows = sessions.active(current_user)
    return render_template(
        "accounts/account.html",
        forms=forms,
        sessions=rows,
        current_session=sessions.current_id(),
        describe=describe,
        hint=strength_hint(),
        recovery_left=two_factor.remaining_recovery_codes(current_user),
    )


@bp.get("/")
def index():
    return _page()


@bp.post("/profile")
def profile():
    form = ProfileForm()
    if not form.validate_on_submit():
        return redirect_with_errors(form, url_for("account.index"))
    lifecycle.update_profile(current_user, name=form.name.data, locale=form.locale.data)
    flash(_("Your details are saved."), "success")
    return redirect(url_for("account.index"))


@bp.post("/password")
def password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        with refusal(form.password) as outcome:
            ended = lifecycle.change_password(current_user, form.current.data, form.password.data)
        if outcome.error and outcome.error == _("The current password is not correct."):
            form.password.errors.remove(outcome.error)
            form.current.errors = [*form.current.errors, outcome.error]
        if not outcome.refused:
            flash(_("Your password is changed. Other sessions ended: %(n)d.", n=ended), "success")
            return redirect(url_for("account.index"))
    return redirect_with_errors(form, url_for("account.index"))


@bp.post("/sessions/<int:session_id>/end")
def end_session(session_id: int):
    if not lifecycle.end_session(current_user, session_id):
        flash(_("That session had already ended."), "info")
    elif session_id == sessions.current_id():
        end_browser_session()
        flash(_("You are signed out."), "info")
        return redirect(url_for("auth.login"))
    else:
        flash(_("The session is ended."), "success")
    return redirect(url_for("account.index"))


@bp.post("/sessions/end-all")
def end_all():
    lifecycle.sign_out_everywhere(current_user, current_user)
    end_browser_session()
    flash(_("You are signed out everywhere."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/two-factor", methods=["GET", "POST"])
def two_factor_setup():
    if current_user.totp_secret:
        return redirect(url_for("account.index"))
    secret = session.get(_NEW_SECRET)
    # Kept across reloads: the app may have scanned the code already.
    if not isinstance(secret, str):
        secret = two_factor.new_secret()
        session[_NEW_SECRET] = secret
    form = CodeForm()
    if form.validate_on_submit():
        with refusal(form.code) as outcome:
            codes = two_factor.enable(current_user, secret, form.code.data)
        if not outcome.refused:
            session.pop(_NEW_SECRET, None)
            return render_template("accounts/recovery_codes.html", codes=codes)
    uri = two_factor.provisioning_uri(current_user, secret)
    return render_template(
        "accounts/two_factor_setup.html",
        form=form,
        secret=secret,
        qr=two_factor.qr_data_uri(uri),
        required=current_user.is_admin and current_app.config["TWO_FACTOR_REQUIRED"],
    ), 422 if form.errors else 200


@bp.post("/two-factor/disable")
def disable_two_factor():
    form = PasswordConfirmForm()
    if current_user.is_admin and current_app.config["TWO_FACTOR_REQUIRED"]:
        flash(_("Administrators must keep two-factor sign-in."), "error")
        return redirect(url_for("account.index"))
    if not form.validate_on_submit() or not password_matches(current_user, form.current.data):
        form.current.errors = [*form.current.errors, _("The current password is not correct.")]
        return redirect_with_errors(form, url_for("account.index"))
    two_factor.disable(current_user, current_user)
    flash(_("Two-factor sign-in is off."), "info")
    return redirect(url_for("account.index"))
