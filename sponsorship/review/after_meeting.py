"""After the meeting: attendance, reconciliation of the actual costs (the award's approved
payments, sponsorship/payments/) against the money committed, and the delegate's report."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _

from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError
from sponsorship.core.transaction import retried, unit_of_work
from sponsorship.core.workflow import transition
from sponsorship.extensions import db
from sponsorship.funding import reconciliation
from sponsorship.models import Award, AwardStatus, User
from sponsorship.models.base import utcnow
from sponsorship.review.decisions import refuse_unless


def record_attendance(
    actor: User, award: Award, attended: bool, *, today: date | None = None
) -> None:
    """Attended or no-show, for an accepted award, once the meeting has begun."""
    today = today or date.today()
    meeting = award.delegate.application.meeting
    if today < meeting.starts_on:
        raise DomainError(_("Attendance is recorded once the meeting has begun."))
    target = AwardStatus.ATTENDED if attended else AwardStatus.NO_SHOW
    refuse_unless(award, target)
    with unit_of_work():
        transition(award, target, actor)


@retried
def reconcile(
    actor: User, award: Award, *, overspend: reconciliation.Overspend | None = None
) -> reconciliation.Reconciliation:
    """Spend the actual costs from the award's money and release the rest (the ledger)."""
    if db.session.new or db.session.dirty or db.session.deleted:
        db.session.commit()
    return reconciliation.reconcile(award, actor, overspend=overspend)


def mark_report_received(actor: User, award: Award) -> None:
    with unit_of_work():
        if award.status != AwardStatus.ATTENDED:
            raise DomainError(_("Only a delegate who attended reports on the meeting."))
        if award.report_received_at is not None:
            return
        award.report_received_at = utcnow()
        record(actor, "award.report_received", award, after={"by": "administrator"})


def report_overdue(award: Award, today: date) -> bool:
    meeting = award.delegate.application.meeting
    return (
        award.status == AwardStatus.ATTENDED
        and award.report_received_at is None
        and today > meeting.ends_on + timedelta(days=meeting.report_due_days)
    )
