"""Four-eyes on money: a reconciliation or a contribution write-off (a pledge cancelled,
its money never to come) above the threshold waits as an `ApprovalRequest` until a
second administrator approves it, which carries it out in the same transaction; the
one who asked can never approve it (and a CHECK refuses it in the database too).
Payments carry their own approval (payments.services).

What a reconciliation is measured by: the money it settles, that is what is still
committed to the award or what it would newly spend, whichever is more (payments
already approved were counted when each was). A write-off is measured by the pledge; a
pledge in another currency has no rate yet, so its write-off always needs the second
administrator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from sponsorship.core import money
from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError, NotAllowed
from sponsorship.core.transaction import retried, unit_of_work
from sponsorship.extensions import db
from sponsorship.funding import contributions, reconciliation
from sponsorship.funding.balances import award_committed
from sponsorship.funding.ledger import lock_award, locked
from sponsorship.models import (
    ApprovalKind,
    ApprovalRequest,
    ApprovalStatus,
    Award,
    Claim,
    ClaimStatus,
    Contribution,
    ContributionStatus,
    CostStage,
    Payment,
    PaymentStatus,
    User,
)
from sponsorship.models.base import utcnow
from sponsorship.payments.services import needs_second


def _to_spend(award: Award) -> tuple[Decimal, Decimal]:
    """(what a reconciliation would newly spend, what is committed to the award)."""
    to_spend = award.total(CostStage.ACTUAL) - reconciliation.paid_by_payments(award.id)
    return to_spend, award_committed(award.id)


def reconciliation_amount(award: Award) -> Decimal:
    """The money a reconciliation of `award` would settle now."""
    return max(_to_spend(award))


def _pending_for(**where) -> ApprovalRequest | None:
    return db.session.scalar(
        select(ApprovalRequest).filter_by(status=ApprovalStatus.PENDING, **where)
    )


def _request(actor: User, kind: ApprovalKind, amount: Decimal, currency: str, **what):
    request = ApprovalRequest(
        kind=kind,
        status=ApprovalStatus.PENDING,
        amount=amount,
        currency=currency,
        requested_by_id=actor.id,
        requested_at=utcnow(),
        **what,
    )
    db.session.add(request)
    record(
        actor,
        "approval.request",
        request,
        after={"kind": kind, "amount": amount, "currency": currency, **what},
    )
    return request


def reconcile_or_request(
    actor: User, award_id: int, overspend: reconciliation.Overspend | None
) -> reconciliation.Reconciliation | ApprovalRequest:
    """Reconcile now at or below the threshold; above it, ask a second administrator."""
    with unit_of_work():
        award = lock_award(award_id)
        amount = reconciliation_amount(award)
        if needs_second(amount):
            reconciliation.check_reconcilable(award)
            to_spend, committed = _to_spend(award)
            if to_spend > committed and overspend is None:
                # Asked now, not when the second administrator approves.
                reconciliation.require_decision(to_spend - committed)
            if _pending_for(award_id=award.id) is not None:
                raise DomainError(str(_l("This reconciliation already waits for approval.")))
            return _request(
                actor,
                ApprovalKind.RECONCILIATION,
                amount,
                money.base_currency(),
                award_id=award.id,
                overspend=overspend.value if overspend else None,
            )
        return reconciliation.reconcile(award, actor, overspend=overspend)


def write_off_or_request(
    actor: User, contribution_id: int, reason: str | None
) -> ApprovalRequest | None:
    """Cancel a pledge now at or below the threshold; above it, ask a second one."""
    with unit_of_work():
        c = db.session.get(Contribution, contribution_id)
        if c is None or c.status != ContributionStatus.PLEDGED:
            raise DomainError(str(_l("Only a pledged contribution can be cancelled.")))
        if c.currency == money.base_currency() and not needs_second(c.amount):
            contributions.cancel_pledge(actor, c.id, reason)
            return None
        if _pending_for(contribution_id=c.id) is not None:
            raise DomainError(str(_l("This write-off already waits for approval.")))
        return _request(
            actor,
            ApprovalKind.WRITE_OFF,
            c.amount,
            c.currency,
            contribution_id=c.id,
            reason=(reason or "").strip() or None,
        )


def _locked_request(request_id: int) -> ApprovalRequest:
    request = db.session.scalar(
        locked(select(ApprovalRequest).where(ApprovalRequest.id == request_id))
    )
    if request is None:
        raise DomainError(str(_l("No such request.")))
    if request.status != ApprovalStatus.PENDING:
        by = request.decided_by.name if request.decided_by else "?"
        raise DomainError(str(_l("This request was already decided by %(name)s.", name=by)))
    return request


@retried
def approve_request(actor: User, request_id: int) -> ApprovalRequest:
    """The second administrator's approval: carries the request out, or changes nothing."""
    with unit_of_work():
        request = _locked_request(request_id)
        if request.requested_by_id == actor.id:
            raise NotAllowed(
                str(_l("A second administrator approves: not the one who asked for it."))
            )
        if request.kind == ApprovalKind.RECONCILIATION:
            overspend = reconciliation.Overspend(request.overspend) if request.overspend else None
            reconciliation.reconcile(request.award_id, actor, overspend=overspend)
        else:
            contributions.cancel_pledge(actor, request.contribution_id, request.reason)
        _decide(actor, request, ApprovalStatus.APPROVED)
    return request


@retried
def reject_request(actor: User, request_id: int) -> ApprovalRequest:
    """Refused (or withdrawn by whoever asked): nothing is carried out."""
    with unit_of_work():
        request = _locked_request(request_id)
        _decide(actor, request, ApprovalStatus.REJECTED)
    return request


def _decide(actor: User, request: ApprovalRequest, status: ApprovalStatus) -> None:
    request.status = status
    request.decided_by_id = actor.id
    request.decided_at = utcnow()
    record(
        actor,
        f"approval.{'approve' if status == ApprovalStatus.APPROVED else 'reject'}",
        request,
        before={"status": ApprovalStatus.PENDING},
        after={
            "status": status,
            "kind": request.kind,
            "amount": request.amount,
            "requested_by": request.requested_by_id,
        },
    )


@dataclass(frozen=True)
class Pending:
    """One item waiting for an administrator, with its age."""

    kind: str
    obj: Payment | Claim | ApprovalRequest
    award: Award | None
    amount: Decimal
    currency: str
    entered_by: User | None
    entered_at: datetime
    four_eyes: bool

    @property
    def age_days(self) -> int:
        return max((utcnow() - self.entered_at).days, 0)


def pending() -> list[Pending]:
    """Everything waiting: entered payments, filed claims, requests; oldest first."""
    items = [
        Pending(
            "payment", p, p.award, p.amount, p.currency, p.entered_by, p.entered_at, p.four_eyes
        )
        for p in db.session.scalars(select(Payment).where(Payment.status == PaymentStatus.ENTERED))
    ]
    items += [
        Pending("claim", c, c.award, c.amount, c.currency, c.filed_by, c.filed_at, False)
        for c in db.session.scalars(select(Claim).where(Claim.status == ClaimStatus.FILED))
    ]
    items += [
        Pending(
            r.kind.value, r, r.award, r.amount, r.currency, r.requested_by, r.requested_at, True
        )
        for r in db.session.scalars(
            select(ApprovalRequest).where(ApprovalRequest.status == ApprovalStatus.PENDING)
        )
    ]
    return sorted(items, key=lambda i: i.entered_at)
