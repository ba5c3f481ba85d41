"""The administrators' pages."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, current_app, flash, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from sponsorship.extensions import db
from sponsorship.models import Donor, Role, State, User
from sponsorship.services import DomainError, accounts, dashboards
from sponsorship.web import admin_meetings, admin_review, admin_states
from sponsorship.web.forms import InviteForm, choices
from sponsorship.web.i18n import state_options
from sponsorship.web.security import role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")
# Nested: their pages inherit the administrators-only check below.
for _child in (admin_meetings, admin_states, admin_review):
    bp.register_blueprint(_child.bp)


@bp.before_request
@role_required(Role.ADMINISTRATOR)
def _administrators_only():
    """Every page of this blueprint is for administrators; checked once, here."""


@bp.get("/")
def dashboard():
    return render_template("admin/dashboard.html", overview=dashboards.admin_overview(date.today()))


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
        role = Role(form.role.data)
        try:
            user, token = accounts.invite(
                current_user,
                timedelta(hours=current_app.config["INVITATION_TTL_HOURS"]),
                email=form.email.data,
                name=form.name.data,
                role=role,
                state=db.session.get(State, form.state_id.data) if form.state_id.data else None,
                donor=db.session.get(Donor, form.donor_id.data) if form.donor_id.data else None,
                locale=form.locale.data,
            )
        except DomainError as error:
            db.session.rollback()
            form.email.errors.append(str(error))
        else:
            link = url_for("auth.accept_invitation", token=token, _external=True)
            flash(_("Invitation created for %(email)s.", email=user.email), "success")
    # Each row names its State or donor: loaded with the users, not one query per row.
    people = db.session.scalars(
        select(User)
        .options(joinedload(User.state), joinedload(User.donor))
        .order_by(User.role, User.email)
    ).all()
    return render_template("admin/users.html", form=form, users=people, link=link)
