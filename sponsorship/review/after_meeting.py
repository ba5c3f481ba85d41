"""After the meeting: attendance, the actual costs paid, reconciliation against the money
committed, and the delegate's report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _

from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError
from sponsorship.core.money import ZERO
from sponsorship.core.transaction import retried, unit_of_work
from sponsorship.core.workflow import transition
from sponsorship.extensions import db
from sponsorship.funding import reconciliation
from sponsorship.models import Award, AwardCostLine, AwardStatus, CostKind, CostStage, User
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


@dataclass(frozen=True)
class ActualCosts:
    ticket: Decimal = ZERO
    dsa: Decimal = ZERO
    other: Decimal = ZERO


def record_actual_costs(actor: User, award: Award, costs: ActualCosts) -> Decimal:
    """Replace the award's actual cost lines (what was paid); before reconciliation."""
    if award.reconciled_at is not None:
        raise DomainError(_("This award is already reconciled; its costs are final."))
    if award.status not in reconciliation.RECONCILABLE:
        raise DomainError(
            _("Actual costs are recorded after the meeting (attended, no-show or cancelled).")
        )
    amounts = {CostKind.AIRFARE: costs.ticket, CostKind.DSA: costs.dsa, CostKind.OTHER: costs.other}
    if any(Decimal(v) < 0 for v in amounts.values()):
        raise DomainError(_("Amounts cannot be negative."))
    descriptions = {
        CostKind.AIRFARE: _("Ticket as invoiced"),
        CostKind.DSA: _("DSA paid"),
        CostKind.OTHER: _("Other costs"),
    }
    with unit_of_work():
        before = award.total(CostStage.ACTUAL)
        for line in [x for x in award.cost_lines if x.stage == CostStage.ACTUAL]:
            award.cost_lines.remove(line)
        for kind, amount in amounts.items():
            if amount:
                award.cost_lines.append(
                    AwardCostLine(
                        kind=kind,
                        stage=CostStage.ACTUAL,
                        description=descriptions[kind],
                        quantity=Decimal(1),
                        unit_amount=Decimal(amount),
                        amount=Decimal(amount),
                    )
                )
        after = award.total(CostStage.ACTUAL)
        record(
            actor,
            "award.actual_costs",
            award,
            before={"actual": before},
            after={"actual": after, **{k.value: v for k, v in amounts.items()}},
        )
    return after


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
