"""The administrators' area: its home page, and the one door every administrator page
passes through.

Each feature's administrator pages are a blueprint nested here, so the check below guards
them all; none of them repeats it.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template

from sponsorship.accounts import admin_views as accounts_admin
from sponsorship.audit_viewer import views as audit_viewer
from sponsorship.documents import admin_views as letters_admin
from sponsorship.funding import views as funding_admin
from sponsorship.history import views as history_admin
from sponsorship.mail import preview_views as mail_previews
from sponsorship.models import Role
from sponsorship.payments import views as payments_admin
from sponsorship.people import views as people_admin
from sponsorship.privacy import views as privacy_admin
from sponsorship.programme import meeting_views, state_views
from sponsorship.reporting import admin_views as reporting_admin
from sponsorship.reporting.overview import admin_overview
from sponsorship.review import cofunding_views, followup_views
from sponsorship.review import views as review_admin
from sponsorship.slate import views as slate_admin
from sponsorship.web.security import role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")
for _child in (
    accounts_admin,
    meeting_views,
    state_views,
    review_admin,
    followup_views,
    letters_admin,
    funding_admin,
    reporting_admin,
    slate_admin,
    mail_previews,
    history_admin,
    privacy_admin,
    audit_viewer,
    payments_admin,
    people_admin,
    cofunding_views,
):
    bp.register_blueprint(_child.bp)


@bp.before_request
@role_required(Role.ADMINISTRATOR)
def _administrators_only():
    """Every page of this blueprint and its nested ones is for administrators."""


@bp.get("/")
def dashboard():
    return render_template("admin/dashboard.html", overview=admin_overview(date.today()))
