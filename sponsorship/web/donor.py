"""The donor's pages: its own contributions in detail."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from sponsorship.models import Role
from sponsorship.services import dashboards
from sponsorship.web.security import role_required

bp = Blueprint("donor", __name__, url_prefix="/donor")


@bp.get("/")
@role_required(Role.DONOR)
def dashboard():
    donor = current_user.donor
    return render_template(
        "donor/dashboard.html",
        donor=donor,
        contributions=dashboards.donor_contributions(donor),
        funded_awards=dashboards.donor_funded_awards(donor),
    )
