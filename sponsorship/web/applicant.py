"""The applicant's pages: what is open, and the State's own applications."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template
from flask_login import current_user

from sponsorship.models import Role
from sponsorship.services import dashboards
from sponsorship.web.security import role_required

bp = Blueprint("applicant", __name__, url_prefix="/apply")


@bp.get("/")
@role_required(Role.APPLICANT)
def dashboard():
    state = current_user.state
    return render_template(
        "applicant/dashboard.html",
        state=state,
        meetings=dashboards.open_meetings(date.today()),
        applications=dashboards.state_applications(state),
    )
