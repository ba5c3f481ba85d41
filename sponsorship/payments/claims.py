"""Claims: expenses the delegate (through the applicant's account) or an administrator
files with receipts, for the administrator to approve, partly approve or reject.

States: FILED -> APPROVED | PARTLY_APPROVED | REJECTED; APPROVED and PARTLY_APPROVED ->
PAID when the reimbursement payment is approved (payments.services). Each decision is
audited and mailed to the State's applicants in the application's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError
from sponsorship.core.transaction import retried, unit_of_work
from sponsorship.extensions import db
from sponsorship.funding.ledger import lock_award, locked
from sponsorship.mail.links import external_url
from sponsorship.models import (
    Award,
    Claim,
    ClaimCategory,
    ClaimReceipt,
    ClaimStatus,
    Payment,
    PaymentKind,
    PaymentStatus,
    User,
)
from sponsorship.models.base import utcnow
from sponsorship.payments import services
from sponsorship.payments.forms import STATE_LABELS
from sponsorship.payments.receipts import StoredReceipt

#: Decisions an administrator takes on a filed claim.
DECISIONS = {
    "approve": ClaimStatus.APPROVED,
    "partly": ClaimStatus.PARTLY_APPROVED,
    "reject": ClaimStatus.REJECTED,
}
PAYABLE = frozenset({ClaimStatus.APPROVED, ClaimStatus.PARTLY_APPROVED})


@dataclass(frozen=True)
class ClaimDetails:
    category: ClaimCategory
    currency: str
    amount: Decimal
    description: str | None = None


@retried
def file_claim(
    actor: User, award_id: int, details: ClaimDetails, receipts: list[StoredReceipt]
) -> Claim:
    """File a claim with at least one receipt (already checked and stored)."""
    currency = details.currency.strip().upper()
    if not receipts:
        raise DomainError(str(_l("A claim needs at least one receipt.")))
    services.check_amount(currency, details.amount)
    with unit_of_work():
        award = lock_award(award_id)
        services.check_payable(award)
        claim = Claim(
            award_id=award.id,
            category=details.category,
            status=ClaimStatus.FILED,
            currency=currency,
            amount=details.amount,
            description=(details.description or "").strip() or None,
            filed_by_id=actor.id,
            filed_at=utcnow(),
        )
        claim.receipts = [
            ClaimReceipt(
                key=r.key,
                sha256=r.sha256,
                content_type=r.content_type,
                filename=r.filename,
                size=r.size,
            )
            for r in receipts
        ]
        db.session.add(claim)
        record(
            actor,
            "claim.file",
            claim,
            after={
                "award": award.reference,
                "category": claim.category,
                "currency": currency,
                "amount": claim.amount,
                "receipts": [r.sha256 for r in receipts],
            },
        )
    return claim


def _locked_claim(claim_id: int) -> tuple[Claim, Award]:
    found = db.session.get(Claim, claim_id)
    if found is None:
        raise DomainError(str(_l("No such claim.")))
    award = lock_award(found.award_id)
    claim = db.session.scalar(locked(select(Claim).where(Claim.id == claim_id)))
    return claim, award


@retried
def decide_claim(
    actor: User,
    claim_id: int,
    decision: str,
    *,
    approved_amount: Decimal | None = None,
    reason: str | None = None,
) -> Claim:
    """Approve, partly approve (a smaller amount, with the reason) or reject (with the
    reason) a filed claim; the applicants hear of it."""
    target = DECISIONS.get(decision)
    if target is None:
        raise DomainError(str(_l("Choose a decision.")))
    reason = (reason or "").strip() or None
    with unit_of_work():
        claim, award = _locked_claim(claim_id)
        if claim.status != ClaimStatus.FILED:
            raise DomainError(str(_l("This claim was already decided.")))
        if target != ClaimStatus.APPROVED and not reason:
            raise DomainError(str(_l("Say why, for the applicant.")))
        if target == ClaimStatus.PARTLY_APPROVED:
            if approved_amount is None or not (0 < approved_amount < claim.amount):
                raise DomainError(
                    str(_l("A partial approval is more than zero and less than the claim."))
                )
            services.check_amount(claim.currency, approved_amount)
            claim.approved_amount = approved_amount
        elif target == ClaimStatus.APPROVED:
            claim.approved_amount = claim.amount
        claim.status = target
        claim.decision_reason = reason
        claim.decided_by_id = actor.id
        claim.decided_at = utcnow()
        record(
            actor,
            "claim.decide",
            claim,
            before={"status": ClaimStatus.FILED},
            after={
                "status": target,
                "approved_amount": claim.approved_amount,
                "currency": claim.currency,
                "reason": reason,
                "award": award.reference,
            },
        )
        _mail(claim, award)
    return claim


def _mail(claim: Claim, award: Award) -> None:
    from sponsorship.mail.events import queue_award_mail

    queue_award_mail(
        award,
        "claim_decided",
        external_url("payments_applicant.claims_page", award_id=award.id),
        kind=f"claim_decided_{claim.id}",
        claim=claim,
        claim_status=STATE_LABELS[claim.status.value],
        reason=claim.decision_reason,
    )


def reimburse(
    actor: User,
    claim_id: int,
    *,
    paid_on: date,
    exchange_rate: Decimal,
    rate_date: date | None,
    paid_by: str | None,
) -> Payment:
    """Enter the reimbursement of an approved claim: a payment of the approved amount in
    the claim's currency, which then waits for its own approval."""
    claim = db.session.get(Claim, claim_id)
    if claim is None:
        raise DomainError(str(_l("No such claim.")))
    if claim.status not in PAYABLE:
        raise DomainError(str(_l("Only an approved claim is reimbursed.")))
    if any(p.status != PaymentStatus.REJECTED for p in claim.payments):
        raise DomainError(str(_l("This claim's reimbursement is already entered.")))
    details = services.PaymentDetails(
        kind=PaymentKind.REIMBURSEMENT,
        currency=claim.currency,
        amount=claim.approved_amount,
        paid_on=paid_on,
        exchange_rate=exchange_rate,
        rate_date=rate_date,
        paid_by=paid_by,
    )
    return services.enter_payment(actor, claim.award_id, details, claim_id=claim.id)


def mark_paid(actor: User, claim: Claim, payment: Payment) -> None:
    """Inside the approval of the claim's reimbursement (no commit)."""
    if claim.status not in PAYABLE:
        raise DomainError(str(_l("Only an approved claim is reimbursed.")))
    before = claim.status
    claim.status = ClaimStatus.PAID
    record(
        actor,
        "claim.paid",
        claim,
        before={"status": before},
        after={"status": claim.status, "payment": payment.id},
    )


def award_claims(award_id: int) -> list[Claim]:
    return list(
        db.session.scalars(select(Claim).where(Claim.award_id == award_id).order_by(Claim.id))
    )
