"""Payments for tests: entered by one administrator, approved by a second."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sponsorship.models import Award, PaymentKind, Role, User
from sponsorship.payments import services
from sponsorship.payments.receipts import StoredReceipt
from tests.factories import UserFactory


def second_admin(**kwargs) -> User:
    from sponsorship.extensions import db

    user = UserFactory(role=Role.ADMINISTRATOR, **kwargs)
    db.session.commit()
    return user


#: A receipt as `receipts.store_receipt` returns it (its file is not read by these tests).
RECEIPT = StoredReceipt("receipts/0123.pdf", "ab" * 32, "application/pdf", "r.pdf", 10)


def details(amount: Decimal, kind: str = "advance", **kwargs) -> services.PaymentDetails:
    values = {
        "kind": PaymentKind(kind),
        "currency": "CHF",
        "amount": Decimal(amount),
        "paid_on": date(2026, 11, 20),
        "paid_by": "Cashier",
        "supplier": "Agency" if kind == "ticket" else None,
        "ticket_number": "057-1234567890" if kind == "ticket" else None,
    }
    values.update(kwargs)
    return services.PaymentDetails(**values)


def approved_payment(
    entered_by: User, approved_by: User, award: Award, amount, kind: str = "dsa_cash", **kwargs
):
    kwargs.setdefault("receipt", RECEIPT)
    payment = services.enter_payment(entered_by, award.id, details(amount, kind), **kwargs)
    return services.approve_payment(approved_by, payment.id)
