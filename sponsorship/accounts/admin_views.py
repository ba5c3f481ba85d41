"""Administrators manage accounts: invite a user, see who has access and when they
last signed in, deactivate or reactivate an account, move an applicant to another
State, sign a user out everywhere, reset a lost second factor.

Registered inside the `admin` blueprint, whose before_request admits administrators only.
"""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from sponsorship.accounts import directory, lifecycle, resets, sessions, two_factor
from sponsorship.accounts import services as accounts
from sponsorship.accounts.devices import describe
from sponsorship.accounts.forms import InviteForm, StateForm
from sponsorship.extensions import db
from sponsorship.models import AuditEvent, Donor, Role, State, User
from sponsorship.web.bounds import parse_int
from sponsorship.web.forms import choices, kept_form, redirect_with_errors
from sponsorship.web.i18n import state_options
from sponsorship.web.refusals import refusal

bp = Blueprint("accounts", __name__)


def _invite_form() -> InviteForm:
    form = InviteForm()
    donors = db.session.execute(select(Donor.id, Donor.name).order_by(Donor.name))
    form.state_id.choices = choices([(0, "—"), *state_options(lambda s: s.id)])
    form.donor_id.choices = choices([(0, "—"), *donors])
    return form


def _existing_account(email: str) -> User | None:
    """The signed-up account at `email`, if any: inviting it again sends a reset."""
    user = db.session.scalar(select(User).where(User.email == accounts.normalize_email(email)))
    return user if user is not None and user.password_hash is not None else None


@bp.route("/users", methods=["GET", "POST"])
def users():
    form = _invite_form()
    link = None
    if form.validate_on_submit():
        existing = _existing_account(form.email.data)
        if existing is not None:
            # Not a dead end: the person already has an account, so what helps them
            # is a new password, by the same mail as "forgot your password?".
            sent = resets.send_reset(existing, current_user)
            message = (
                _(
                    "%(email)s already has an account: a password reset link was mailed.",
                    email=existing.email,
                )
                if sent
                else _(
                    "%(email)s already has an account and was sent reset links recently.",
                    email=existing.email,
                )
            )
            flash(message, "info")
            return redirect(url_for("admin.accounts.user", user_id=existing.id))
        with refusal(form.email):
            user, token = accounts.invite(
                current_user,
                timedelta(hours=current_app.config["INVITATION_TTL_HOURS"]),
                email=form.email.data,
                name=form.name.data,
                role=Role(form.role.data),
                state=db.session.get(State, form.state_id.data) if form.state_id.data else None,
                donor=db.session.get(Donor, form.donor_id.data) if form.donor_id.data else None,
                locale=form.locale.data,
            )
            link = url_for("auth.accept_invitation", token=token, _external=True)
            flash(_("Invitation mailed to %(email)s.", email=user.email), "success")
    search = request.args.get("q", "")[:200]
    role = request.args.get("role", "")
    found = directory.users_page(
        search,
        Role(role) if role in {r.value for r in Role} else None,
        parse_int(request.args.get("page"), 1) or 1,
    )
    args = {k: v for k, v in (("q", search), ("role", role)) if v}
    return render_template(
        "accounts/users.html",
        form=form,
        found=found,
        users=found.users,
        args=args,
        roles=list(Role),
        link=link,
    )


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _state_form(user: User) -> StateForm:
    """As refused just now (kept across the redirect, see `user_state`), or filled."""
    form = kept_form(StateForm) or StateForm(formdata=None, state_id=user.state_id or 0)
    form.state_id.choices = choices(state_options(lambda s: s.id))
    return form


@bp.get("/users/<int:user_id>")
def user(user_id: int):
    person = _user_or_404(user_id)
    history = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "User", AuditEvent.object_id == person.id)
        .order_by(AuditEvent.id.desc())
        .limit(20)
    ).all()
    return render_template(
        "accounts/user.html",
        person=person,
        sessions=sessions.active(person),
        describe=describe,
        history=history,
        state_form=_state_form(person),
    )


@bp.post("/users/<int:user_id>/active")
def user_active(user_id: int):
    person = _user_or_404(user_id)
    with refusal():
        lifecycle.set_active(current_user, person, not person.active)
        flash(
            _("The account is active again.")
            if person.active
            else _("The account is deactivated."),
            "success",
        )
    return redirect(url_for("admin.accounts.user", user_id=user_id))


@bp.post("/users/<int:user_id>/state")
def user_state(user_id: int):
    person = _user_or_404(user_id)
    form = StateForm()
    form.state_id.choices = choices(state_options(lambda s: s.id))
    back = url_for("admin.accounts.user", user_id=user_id)
    if not form.validate_on_submit():
        return redirect_with_errors(form, back)
    # Flashed, not at the field: the page shows the form to applicants only, and only
    # a non-applicant is refused.
    with refusal():
        lifecycle.change_state(current_user, person, db.session.get(State, form.state_id.data))
        flash(_("The applicant now speaks for another State."), "success")
    return redirect(back)


@bp.post("/users/<int:user_id>/sign-out")
def user_sign_out(user_id: int):
    person = _user_or_404(user_id)
    ended = lifecycle.sign_out_everywhere(current_user, person)
    flash(_("Sessions ended: %(n)d.", n=ended), "success")
    return redirect(url_for("admin.accounts.user", user_id=user_id))


@bp.post("/users/<int:user_id>/two-factor/reset")
def user_reset_two_factor(user_id: int):
    person = _user_or_404(user_id)
    if person.id == current_user.id:
        flash(_("Another administrator must reset your own two-factor sign-in."), "error")
    elif person.totp_secret:
        two_factor.disable(current_user, person)
        flash(
            _("Two-factor sign-in is reset: the user sets it up again at the next sign-in."),
            "success",
        )
    return redirect(url_for("admin.accounts.user", user_id=user_id))


@bp.post("/users/<int:user_id>/reset-password")
def user_send_reset(user_id: int):
    person = _user_or_404(user_id)
    if not person.active:
        flash(_("The account is deactivated."), "error")
    elif resets.send_reset(person, current_user):
        flash(_("A password reset link was mailed to %(email)s.", email=person.email), "success")
    else:
        flash(_("Reset links were sent to this address recently; try again later."), "info")
    return redirect(url_for("admin.accounts.user", user_id=user_id))
