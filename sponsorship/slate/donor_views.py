"""The Donors' Group's pages: the slates sent to it, each with what it may see (no
name, passport or contact data), and the vote. Donor users who are not members get 403.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from sponsorship.extensions import db
from sponsorship.models import Role, Slate
from sponsorship.slate import approval, labels
from sponsorship.web.refusals import refusal
from sponsorship.web.security import role_required

bp = Blueprint("donors_group", __name__, url_prefix="/donor/slates")


@bp.before_request
@role_required(Role.DONOR)
def _members_only():
    if not approval.is_member(current_user):
        abort(403)


@bp.get("/")
def index():
    slates = db.session.scalars(select(Slate).order_by(Slate.id.desc()).limit(50)).all()
    return render_template("slate/donor_index.html", slates=slates)


@bp.get("/<int:slate_id>")
def slate(slate_id: int):
    found = db.get_or_404(Slate, slate_id)
    mine = next((v for v in found.votes if v.user_id == current_user.id), None)
    return render_template(
        "slate/slate.html",
        slate=found,
        tally=approval.tally(found),
        open=approval.is_open(found),
        admin_view=False,
        mine=mine,
    )


@bp.post("/<int:slate_id>/vote")
def vote(slate_id: int):
    db.get_or_404(Slate, slate_id)
    with refusal():
        approval.cast(
            current_user, slate_id, request.form.get("vote"), request.form.get("comment", "")
        )
        flash(_("Your vote was recorded."), "success")
    return redirect(url_for(".slate", slate_id=slate_id))


# The slate's template filters, for the administrators' slate pages too: this blueprint
# is registered on the app itself, so they are there whatever page renders.
bp.add_app_template_filter(labels.slate_status, "slate_status")
bp.add_app_template_filter(labels.vote_label, "vote_label")
bp.add_app_template_filter(labels.slate_region, "slate_region")
bp.add_app_template_filter(labels.as_decimal, "slate_amount")
