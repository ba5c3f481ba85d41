"""The administrators' slate pages: the what-if page of a meeting (a plain GET form:
targets, reserve, pins), sending a slate to the Donors' Group, a sent slate with its
votes and the one action that offers it, the Donors' Group members, the report.

Registered inside the `admin` blueprint, whose before_request admits administrators only.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from sponsorship.extensions import db
from sponsorship.models import Meeting, RegionalGroup, Slate
from sponsorship.review.queue import queue_meetings
from sponsorship.slate import approval, proposal, whatif
from sponsorship.web.confirm import confirmation
from sponsorship.web.forms import ConfirmForm
from sponsorship.web.refusals import refusal

bp = Blueprint("slate", __name__, url_prefix="/slate")


def _meeting(meeting_id: int) -> Meeting:
    return db.get_or_404(Meeting, meeting_id)


@bp.get("/")
def index():
    meetings, default = queue_meetings(date.today())
    slates = db.session.scalars(select(Slate).order_by(Slate.id.desc()).limit(20)).all()
    return render_template("slate/index.html", meetings=meetings, default=default, slates=slates)


@bp.get("/meetings/<int:meeting_id>")
def meeting(meeting_id: int):
    meeting = _meeting(meeting_id)
    targets, errors = whatif.parse(request.args)
    result = proposal.propose(meeting, targets)
    return render_template(
        "slate/meeting.html",
        meeting=meeting,
        proposal=result,
        targets=targets,
        values=whatif.form_values(targets),
        errors=errors,
        regions=list(RegionalGroup),
    )


@bp.post("/meetings/<int:meeting_id>/send")
def send(meeting_id: int):
    meeting = _meeting(meeting_id)
    targets, errors = whatif.parse(request.form)
    back = url_for(".meeting", meeting_id=meeting.id, **whatif.form_values(targets))
    if errors:
        for error in errors:
            flash(error, "error")
        return redirect(back)
    quorum = request.form.get("quorum", type=int)
    days = request.form.get("deadline_days", type=int)
    with refusal():
        slate = proposal.send(current_user, meeting, targets, quorum=quorum, deadline_days=days)
        flash(_("The slate was sent to the Donors' Group."), "success")
        return redirect(url_for(".slate", slate_id=slate.id))
    return redirect(back)


@bp.get("/<int:slate_id>")
def slate(slate_id: int):
    found = db.get_or_404(Slate, slate_id)
    return render_template(
        "slate/slate.html",
        slate=found,
        tally=approval.tally(found),
        open=approval.is_open(found),
        admin_view=True,
    )


@bp.route("/<int:slate_id>/offer", methods=["GET", "POST"])
def offer(slate_id: int):
    """Offering the slate commits the money of every delegate on it: asked first."""
    found = db.get_or_404(Slate, slate_id)
    back = url_for(".slate", slate_id=slate_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        with refusal():
            result = approval.offer_slate(current_user, slate_id)
            flash(
                _(
                    "%(done)d offers made, %(refused)d refused.",
                    done=len(result["done"]),
                    refused=len(result["refused"]),
                ),
                "success",
            )
        return redirect(back)
    return confirmation(
        form,
        title=_("Offer the whole slate?"),
        consequences=[
            _(
                "An offer is made to each of the %(num)d delegates on the slate.",
                num=len(found.chosen or []),
            ),
            _("Each offer commits its money from the funds; each applicant is told by mail."),
        ],
        button=_("Offer and commit the money"),
        cancel=back,
    )


@bp.route("/members", methods=["GET", "POST"])
def members():
    if request.method == "POST":
        user_id = request.form.get("user_id", type=int) or 0
        member = request.form.get("member") == "1"
        with refusal():
            approval.set_member(current_user, user_id, member)
            flash(_("The Donors' Group was updated."), "success")
        return redirect(url_for(".members"))
    return render_template("slate/members.html", users=approval.donor_users())


@bp.get("/report")
def report():
    slates = db.session.scalars(
        select(Slate).order_by(Slate.meeting_id.desc(), Slate.id.desc())
    ).all()
    return render_template(
        "slate/report.html", slates=slates, tallies={s.id: approval.tally(s) for s in slates}
    )
