"""Administrators manage accounts: invite a user, see who has access.

Registered inside the `admin` blueprint, whose before_request admits administrators only.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, flash, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from sponsorship.accounts import services as accounts
from sponsorship.accounts.forms import InviteForm
from sponsorship.extensions import db
from sponsorship.models import Donor, Role, State, User
from sponsorship.web.forms import choices
from sponsorship.web.i18n import state_options
from sponsorship.web.refusals import refusal

bp = Blueprint("accounts", __name__)


def _invite_form() -> InviteForm:
    form = InviteForm()
    donors = db.session.execute(select(Donor.id, Donor.name).order_by(Donor.name))
    form.state_id.choices = choices([(0, "—"), *state_options(lambda s: s.id)])
    form.donor_id.choices = choices([(0, "—"), *donors])
    return form


@bp.route("/users", methods=["GET", "POST"])
def users():
    form = _invite_form()
    link = None
    if form.validate_on_submit():
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
            flash(_("Invitation created for %(email)s.", email=user.email), "success")
    # Each row names its State or donor: loaded with the users, not one query per row.
    people = db.session.scalars(
        select(User)
        .options(joinedload(User.state), joinedload(User.donor))
        .order_by(User.role, User.email)
    ).all()
    return render_template("accounts/users.html", form=form, users=people, link=link)
