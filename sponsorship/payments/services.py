"""Payments of an award: entered by one administrator, approved or rejected by one
(a second one above the four-eyes threshold).

States: ENTERED -> APPROVED | REJECTED, nothing else. Approving writes the payment's
actual cost line and spends its money in the ledger (`reconciliation.spend_payment`) in
one transaction; a payment entered and never approved moves no money. Amounts in
another currency are converted at the day's rate by `core.money.to_base`, the one
rounding, and the rate and its date are stored with the payment (as contributions).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from babel.numbers import is_currency
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from sponsorship.core import money
from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError, NotAllowed
from sponsorship.core.transaction import retried, unit_of_work
from sponsorship.extensions import db
from sponsorship.funding import reconciliation
from sponsorship.funding.ledger import lock_award, locked
from sponsorship.models import (
    Award,
    AwardCostLine,
    AwardStatus,
    CostKind,
    CostStage,
    Payment,
    PaymentKind,
    PaymentStatus,
    User,
)
from sponsorship.models.base import MONEY_SCALE, RATE_SCALE, utcnow
from sponsorship.payments.receipts import StoredReceipt

#: Awards whose money may be paid out: accepted (advances, tickets) and after the
#: meeting, until reconciled.
PAYABLE = frozenset(
    {AwardStatus.ACCEPTED, AwardStatus.ATTENDED, AwardStatus.NO_SHOW, AwardStatus.CANCELLED}
)
#: The actual cost line an approved payment writes.
COST_KIND = {
    PaymentKind.DSA_CASH: CostKind.DSA,
    PaymentKind.ADVANCE: CostKind.DSA,
    PaymentKind.TICKET: CostKind.AIRFARE,
}


def threshold() -> Decimal:
    """Above this (base currency), a second administrator approves (FOUR_EYES_THRESHOLD)."""
    return Decimal(str(current_app.config.get("FOUR_EYES_THRESHOLD", "1000")))


def needs_second(amount: Decimal) -> bool:
    return amount > threshold()


@dataclass(frozen=True)
class PaymentDetails:
    kind: PaymentKind
    currency: str
    amount: Decimal
    paid_on: date
    exchange_rate: Decimal = Decimal(1)
    rate_date: date | None = None
    paid_by: str | None = None
    supplier: str | None = None
    ticket_number: str | None = None
    note: str | None = None


def check_amount(currency: str, amount: Decimal) -> None:
    """A known currency, more than zero, no more decimals than the currency has."""
    if not is_currency(currency):
        raise DomainError(str(_l("Unknown currency code.")))
    if amount <= 0 or amount.as_tuple().exponent < -MONEY_SCALE:
        raise DomainError(str(_l("The amount must be more than zero.")))
    if not money.is_whole(amount, currency):
        raise DomainError(
            str(
                _l(
                    "%(currency)s amounts have at most %(places)d decimal places.",
                    currency=currency,
                    places=money.decimal_places(currency),
                )
            )
        )


def converted(currency: str, amount: Decimal, rate: Decimal) -> Decimal:
    """`amount` in the base currency at `rate`, checked as contributions are."""
    base = money.base_currency()
    check_amount(currency, amount)
    if rate <= 0 or rate.as_tuple().exponent < -RATE_SCALE:
        raise DomainError(
            str(_l("The exchange rate is positive, with at most %(n)d decimals.", n=RATE_SCALE))
        )
    if currency == base and rate != 1:
        raise DomainError(
            str(_l("Money in %(currency)s is converted at a rate of 1.", currency=base))
        )
    return money.to_base(amount, rate, base)


def _check_details(d: PaymentDetails) -> None:
    if d.rate_date is not None and d.rate_date > d.paid_on:
        raise DomainError(str(_l("The rate cannot be dated after the payment.")))
    if d.kind == PaymentKind.TICKET and not (d.supplier and d.ticket_number):
        raise DomainError(str(_l("A ticket needs its supplier and ticket number.")))
    if d.kind == PaymentKind.DSA_CASH and not d.paid_by:
        raise DomainError(str(_l("Say who paid the DSA in cash.")))


def check_payable(award: Award) -> None:
    if award.reconciled_at is not None:
        raise DomainError(str(_l("This award is already reconciled; its costs are final.")))
    if award.status not in PAYABLE:
        raise DomainError(
            str(_l("Payments are recorded for an accepted award, and after the meeting."))
        )


def enter_payment(
    actor: User,
    award_id: int,
    details: PaymentDetails,
    receipt: StoredReceipt | None = None,
    *,
    claim_id: int | None = None,
) -> Payment:
    """Record a payment as entered: it waits for approval and moves no money yet."""
    currency = details.currency.strip().upper()
    _check_details(details)
    if details.kind == PaymentKind.DSA_CASH and receipt is None:
        raise DomainError(str(_l("A DSA paid in cash needs the delegate's signed receipt.")))
    with unit_of_work():
        award = lock_award(award_id)
        check_payable(award)
        base = converted(currency, details.amount, details.exchange_rate)
        payment = Payment(
            award_id=award.id,
            kind=details.kind,
            status=PaymentStatus.ENTERED,
            currency=currency,
            amount=details.amount,
            exchange_rate=details.exchange_rate,
            rate_date=details.rate_date or details.paid_on,
            base_amount=base,
            paid_on=details.paid_on,
            paid_by=(details.paid_by or "").strip() or None,
            supplier=(details.supplier or "").strip() or None,
            ticket_number=(details.ticket_number or "").strip() or None,
            note=(details.note or "").strip() or None,
            claim_id=claim_id,
            outside_fund=Decimal(0),
            four_eyes=needs_second(base),
            entered_by_id=actor.id,
            entered_at=utcnow(),
        )
        if receipt is not None:
            payment.receipt_key = receipt.key
            payment.receipt_sha256 = receipt.sha256
            payment.receipt_type = receipt.content_type
            payment.receipt_filename = receipt.filename
        db.session.add(payment)
        record(actor, "payment.enter", payment, after=_facts(payment, award))
    return payment


def _facts(p: Payment, award: Award) -> dict:
    return {
        "award": award.reference,
        "kind": p.kind,
        "currency": p.currency,
        "amount": p.amount,
        "exchange_rate": p.exchange_rate,
        "rate_date": p.rate_date,
        "base_amount": p.base_amount,
        "paid_on": p.paid_on,
        "four_eyes": p.four_eyes,
        "receipt_sha256": p.receipt_sha256,
    }


def _locked_payment(payment_id: int, award_id: int | None = None) -> tuple[Payment, Award]:
    """The payment and its award, locked (the award first: the ledger's order) and read
    fresh, so two administrators deciding the same payment see each other's decision."""
    found = db.session.get(Payment, payment_id)
    if found is None or (award_id is not None and found.award_id != award_id):
        raise DomainError(str(_l("No such payment.")))
    award = lock_award(found.award_id)
    payment = db.session.scalar(locked(select(Payment).where(Payment.id == payment_id)))
    if payment.status != PaymentStatus.ENTERED:
        by = payment.decided_by.name if payment.decided_by else "?"
        raise DomainError(str(_l("This payment was already decided by %(name)s.", name=by)))
    return payment, award


def _check_second(actor: User, payment: Payment) -> None:
    if payment.four_eyes and payment.entered_by_id == actor.id:
        raise NotAllowed(
            str(
                _l(
                    "Above %(amount)s a second administrator approves: not the one who entered it.",
                    amount=money.display(threshold()),
                )
            )
        )


def _description(payment: Payment) -> str:
    if payment.kind == PaymentKind.TICKET:
        return f"{payment.supplier} {payment.ticket_number}"[:200]
    return (
        f"{payment.kind.value} {payment.currency} {money.plain(payment.amount, payment.currency)}"
    )


def _cost_kind(payment: Payment) -> CostKind:
    if payment.kind == PaymentKind.REIMBURSEMENT and payment.claim is not None:
        return CostKind(payment.claim.category.value)
    return COST_KIND.get(payment.kind, CostKind.OTHER)


@retried
def approve_payment(
    actor: User,
    payment_id: int,
    *,
    overspend: reconciliation.Overspend | None = None,
    on: date | None = None,
    at: datetime | None = None,
) -> Payment:
    """Approve: the actual cost line is written and the money spent, in one transaction."""
    on, at = on or date.today(), at or utcnow()
    with unit_of_work():
        payment, award = _locked_payment(payment_id)
        _check_second(actor, payment)
        check_payable(award)
        outside = reconciliation.spend_payment(
            award,
            payment.base_amount,
            actor,
            overspend=overspend,
            on=on,
            at=at,
            reference=f"payment {payment.id}",
        )
        line = AwardCostLine(
            award_id=award.id,
            kind=_cost_kind(payment),
            stage=CostStage.ACTUAL,
            description=_description(payment),
            quantity=Decimal(1),
            unit_amount=payment.base_amount,
            amount=payment.base_amount,
            paid_on=payment.paid_on,
        )
        db.session.add(line)
        db.session.flush()
        payment.cost_line_id = line.id
        payment.outside_fund = outside
        payment.status = PaymentStatus.APPROVED
        payment.decided_by_id = actor.id
        payment.decided_at = at
        record(
            actor,
            "payment.approve",
            payment,
            before={"status": PaymentStatus.ENTERED},
            after={**_facts(payment, award), "status": payment.status, "outside_fund": outside},
        )
        if payment.claim is not None:
            from sponsorship.payments.claims import mark_paid

            mark_paid(actor, payment.claim, payment)
    db.session.expire(award, ["cost_lines"])
    return payment


@retried
def reject_payment(actor: User, payment_id: int, reason: str) -> Payment:
    """A payment that did not happen as entered: nothing moves; the reason is kept."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(str(_l("Say why the payment is rejected.")))
    with unit_of_work():
        payment, award = _locked_payment(payment_id)
        payment.status = PaymentStatus.REJECTED
        payment.decided_by_id = actor.id
        payment.decided_at = utcnow()
        payment.decision_reason = reason
        record(
            actor,
            "payment.reject",
            payment,
            before={"status": PaymentStatus.ENTERED},
            after={"status": payment.status, "reason": reason, "award": award.reference},
        )
    return payment


def award_payments(award_id: int) -> list[Payment]:
    return list(
        db.session.scalars(select(Payment).where(Payment.award_id == award_id).order_by(Payment.id))
    )
