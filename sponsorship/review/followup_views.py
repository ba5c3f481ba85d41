"""After the offer: cancelling an award, attendance, reconciliation (from the award's
payments, sponsorship/payments/) and the
delegate's report, and the meeting's follow-up list.

Registered inside the `admin` blueprint, whose before_request admits administrators only.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from sponsorship.documents import series
from sponsorship.extensions import db
from sponsorship.funding import reconciliation
from sponsorship.models import Award, Delegate, Meeting
from sponsorship.payments import approvals
from sponsorship.payments.services import threshold
from sponsorship.review import after_meeting, decisions
from sponsorship.review import queue as review
from sponsorship.review.forms import AttendanceForm, ReasonForm, ReconcileForm
from sponsorship.web.confirm import confirmation
from sponsorship.web.filters import money
from sponsorship.web.refusals import refusal

bp = Blueprint("followup", __name__, url_prefix="/review")


def application_url(delegate: Delegate) -> str:
    return (
        url_for("admin.review.application", application_id=delegate.application_id)
        + f"#d{delegate.id}"
    )


def _checked(form_class, **kwargs):
    """The submitted form; a post without a valid token or field is a bad request."""
    form = form_class(**kwargs)
    if not form.validate_on_submit():
        abort(400)
    return form


@bp.get("/meetings/<int:meeting_id>/follow-up")
def follow_up(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    return render_template(
        "review/follow_up.html",
        meeting=meeting,
        rows=review.follow_up(meeting, date.today()),
        report_due=meeting.ends_on + timedelta(days=meeting.report_due_days),
    )


@bp.route("/awards/<int:award_id>/cancel", methods=["GET", "POST"])
def cancel(award_id: int):
    """Cancelling is final and releases the money: the page asks first, with the reason
    the applicant will read (web/confirm.py)."""
    award = db.get_or_404(Award, award_id)
    back = application_url(award.delegate)
    form = ReasonForm()
    if form.validate_on_submit():
        with refusal(form.reason) as outcome:
            released = decisions.cancel(current_user, award, reason=form.reason.data or "")
        if not outcome.refused:
            flash(
                _("Sponsorship cancelled; %(amount)s released.", amount=money(released)), "success"
            )
            return redirect(back)
    return confirmation(
        form,
        title=_("Cancel the sponsorship of %(name)s?", name=award.delegate.name),
        consequences=[
            _(
                "The money committed for %(name)s is released to the funds.",
                name=award.delegate.name,
            ),
            _("The applicant is told, with your reason. A cancellation is final."),
        ],
        button=_("Cancel the sponsorship"),
        cancel=back,
    )


@bp.post("/awards/<int:award_id>/attendance")
def attendance(award_id: int):
    award = db.get_or_404(Award, award_id)
    form = _checked(AttendanceForm)
    with refusal():
        after_meeting.record_attendance(current_user, award, form.attended.data == "1")
        series.on_attended(award, current_user)  # the certificate of attendance, mailed
        flash(_("Attendance recorded."), "success")
    return redirect(application_url(award.delegate))


@bp.route("/awards/<int:award_id>/reconcile", methods=["GET", "POST"])
def reconcile(award_id: int):
    """Reconciling spends and releases money: the page says so and asks first."""
    award = db.get_or_404(Award, award_id)
    back = application_url(award.delegate)
    form = ReconcileForm()
    if form.validate_on_submit():
        overspend = reconciliation.Overspend(form.overspend.data) if form.overspend.data else None
        with refusal(form.overspend) as outcome:
            # Above the four-eyes threshold this asks a second administrator instead.
            result = approvals.reconcile_or_request(current_user, award.id, overspend)
        if not outcome.refused and isinstance(result, reconciliation.Reconciliation):
            flash(
                _(
                    "Reconciled: actual costs %(actual)s, %(released)s released.",
                    actual=money(result.actual),
                    released=money(result.released),
                ),
                "success",
            )
        elif not outcome.refused:
            flash(
                _(
                    "The reconciliation settles %(amount)s, above %(threshold)s: it waits"
                    " for a second administrator's approval.",
                    amount=money(result.amount),
                    threshold=money(threshold()),
                ),
                "success",
            )
        if not outcome.refused:
            return redirect(back)
    return confirmation(
        form,
        title=_("Reconcile the costs of %(name)s?", name=award.delegate.name),
        consequences=[
            _(
                "Costs recorded without a payment are spent; what is still committed for"
                " %(name)s is released to the funds.",
                name=award.delegate.name,
            ),
            _("The award cannot be reconciled again."),
        ],
        button=_("Reconcile"),
        cancel=back,
        danger=False,
    )


@bp.post("/awards/<int:award_id>/report")
def report(award_id: int):
    award = db.get_or_404(Award, award_id)
    _checked(ReasonForm)
    with refusal():
        after_meeting.mark_report_received(current_user, award)
        flash(_("Report marked as received."), "success")
    return redirect(application_url(award.delegate))
