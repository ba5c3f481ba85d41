"""Payments and claims in the privacy tools: receipts' images leave with the rest of
a delegate's personal data, and a person's export lists the money paid to them.

A receipt (the delegate's signed DSA receipt, a ticket invoice, a claim's taxi bill)
shows a name, a signature, sometimes a passport number: its image is purged by the
retention job and by an early erasure (sponsorship/privacy). What the money needs
stays: the amounts, dates and states of payments and claims, and each receipt's
sha256, so the ledger, reconciliation and `funds check` read the same afterwards and
a copy kept elsewhere can still be matched. A purged receipt is a row without a
storage key: a payment's `receipt_key` is NULL with its sha256 kept, a claim
receipt's `key` is "" (the column is NOT NULL; no migration needed).

The export (privacy.subject) gives each payment and claim with amounts, dates and
states, and each receipt as its sha256 only: the image is a file, not data about the
person that a reader of the export needs in it, and it may already be purged.
"""

from __future__ import annotations

import sqlalchemy as sa

from sponsorship.extensions import db
from sponsorship.models import Application, Award, Claim, ClaimReceipt, Delegate, Payment
from sponsorship.privacy import subject
from sponsorship.privacy.registry import (
    Purge,
    Purgeable,
    Scope,
    delegates_of_meetings,
    register,
)


def _payments(scope: Scope) -> sa.Select:
    return sa.select(Payment.id, Payment.receipt_key).where(
        Payment.award_id.in_(scope.awards()),
        Payment.receipt_key.isnot(None),
        Payment.receipt_key != "",
    )


def _claim_receipts(scope: Scope) -> sa.Select:
    return sa.select(ClaimReceipt.id, ClaimReceipt.key).where(
        ClaimReceipt.claim_id.in_(sa.select(Claim.id).where(Claim.award_id.in_(scope.awards()))),
        ClaimReceipt.key != "",
    )


def _count(query: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


def count_receipts(scope: Scope) -> dict[str, int]:
    return {"receipt_images": _count(_payments(scope)) + _count(_claim_receipts(scope))}


def count_receipts_of_meetings(meeting_ids: list[int]) -> dict[int, dict[str, int]]:
    """`count_receipts` per meeting: payments' and claims' receipts, two queries."""
    payments = sa.select(Application.meeting_id, sa.func.count()).select_from(Payment)
    payments = payments.join(Award, Award.id == Payment.award_id).where(
        Payment.receipt_key.isnot(None), Payment.receipt_key != ""
    )
    receipts = (
        sa.select(Application.meeting_id, sa.func.count())
        .select_from(ClaimReceipt)
        .join(Claim, Claim.id == ClaimReceipt.claim_id)
        .join(Award, Award.id == Claim.award_id)
        .where(ClaimReceipt.key != "")
    )
    counts = dict.fromkeys(meeting_ids, 0)
    for query in (payments, receipts):
        query = query.join(Delegate, Delegate.id == Award.delegate_id)
        for meeting_id, n in db.session.execute(delegates_of_meetings(query, meeting_ids)):
            counts[meeting_id] += n
    return {m: {"receipt_images": n} for m, n in counts.items()}


def purge_receipts(scope: Scope, purge: Purge) -> dict[str, int]:
    """Clear the storage keys (sha256, type, name and amounts stay); the files go once
    the caller commits."""
    payments = db.session.execute(_payments(scope)).all()
    receipts = db.session.execute(_claim_receipts(scope)).all()
    if payments:
        db.session.execute(
            sa.update(Payment), [{"id": i, "receipt_key": None} for i, _key in payments]
        )
    if receipts:
        db.session.execute(sa.update(ClaimReceipt), [{"id": i, "key": ""} for i, _key in receipts])
    purge.files.extend(key for _id, key in (*payments, *receipts))
    return {"receipt_images": len(payments) + len(receipts)}


def _money(value) -> str | None:
    return str(value) if value is not None else None


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def payments_section(d: Delegate) -> tuple[str, list]:
    if d.award is None:
        return "payments", []
    rows = db.session.scalars(
        sa.select(Payment).where(Payment.award_id == d.award.id).order_by(Payment.id)
    )
    return "payments", [
        {
            "kind": p.kind.value,
            "status": p.status.value,
            "currency": p.currency,
            "amount": _money(p.amount),
            "exchange_rate": _money(p.exchange_rate),
            "rate_date": _iso(p.rate_date),
            "base_amount": _money(p.base_amount),
            "paid_on": _iso(p.paid_on),
            "entered_at": _iso(p.entered_at),
            "decided_at": _iso(p.decided_at),
            "receipt_sha256": p.receipt_sha256,
            "receipt_stored": bool(p.receipt_key),
        }
        for p in rows
    ]


def claims_section(d: Delegate) -> tuple[str, list]:
    if d.award is None:
        return "claims", []
    rows = db.session.scalars(
        sa.select(Claim).where(Claim.award_id == d.award.id).order_by(Claim.id)
    )
    return "claims", [
        {
            "category": c.category.value,
            "status": c.status.value,
            "currency": c.currency,
            "amount": _money(c.amount),
            "approved_amount": _money(c.approved_amount),
            "decision_reason": c.decision_reason,
            "filed_at": _iso(c.filed_at),
            "decided_at": _iso(c.decided_at),
            "receipts_sha256": [r.sha256 for r in c.receipts],
        }
        for c in rows
    ]


register(Purgeable("receipt_images", count_receipts, purge_receipts, count_receipts_of_meetings))
for _section in (payments_section, claims_section):
    if _section not in subject.SECTIONS:
        # Before the history: the export reads in the order of the delegate's journey.
        subject.SECTIONS.insert(subject.SECTIONS.index(subject.history_section), _section)
