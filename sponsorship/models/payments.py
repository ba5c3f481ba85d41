"""After the meeting: payments of an award, claims with receipts, and the second
administrator's approval of money above the four-eyes threshold.

An award's actual costs are its approved payments: approving one writes its actual cost
line and spends its money in the ledger in the same transaction, never before.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sponsorship.models.base import (
    Base,
    Money,
    Rate,
    StrEnum,
    UTCDateTime,
    created_at_column,
    enum_column,
)


class PaymentKind(StrEnum):
    #: DSA paid in cash at the venue, against the delegate's signed receipt.
    DSA_CASH = "dsa_cash"
    #: An advance paid before travel.
    ADVANCE = "advance"
    #: The ticket the programme bought (supplier, ticket number).
    TICKET = "ticket"
    #: Reimbursement of an approved claim.
    REIMBURSEMENT = "reimbursement"


class PaymentStatus(StrEnum):
    ENTERED = "entered"
    APPROVED = "approved"
    REJECTED = "rejected"


class ClaimCategory(StrEnum):
    #: Taxis and transfers between home, airports and the venue.
    TERMINAL = "terminal"
    VISA = "visa"
    OTHER = "other"


class ClaimStatus(StrEnum):
    FILED = "filed"
    APPROVED = "approved"
    PARTLY_APPROVED = "partly_approved"
    REJECTED = "rejected"
    #: Its reimbursement payment was approved.
    PAID = "paid"


class ApprovalKind(StrEnum):
    RECONCILIATION = "reconciliation"
    WRITE_OFF = "write_off"


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Payment(Base):
    """One payment of an award, in the currency paid and in the base currency at the
    day's rate (stored, never recomputed: as contributions)."""

    __tablename__ = "payments"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("base_amount > 0", name="base_amount_positive"),
        sa.CheckConstraint("exchange_rate > 0", name="rate_positive"),
        sa.CheckConstraint(
            "outside_fund >= 0 AND outside_fund <= base_amount", name="outside_fund_bounded"
        ),
        # The database's own refusal of a payment above the threshold approved by the
        # administrator who entered it, whatever the application does.
        sa.CheckConstraint(
            "NOT four_eyes OR status <> 'approved'"
            " OR (decided_by_id IS NOT NULL AND decided_by_id <> entered_by_id)",
            name="four_eyes",
        ),
        sa.Index("ix_payments_status_entered", "status", "entered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(sa.ForeignKey("awards.id"), index=True)
    kind: Mapped[PaymentKind] = enum_column(PaymentKind)
    status: Mapped[PaymentStatus] = enum_column(PaymentStatus, default=PaymentStatus.ENTERED)
    #: ISO 4217 code of the money paid.
    currency: Mapped[str] = mapped_column(sa.String(3))
    amount: Mapped[Decimal] = mapped_column(Money())
    #: Units of base currency per unit of `currency` on `rate_date`.
    exchange_rate: Mapped[Decimal] = mapped_column(Rate())
    rate_date: Mapped[date] = mapped_column(sa.Date)
    base_amount: Mapped[Decimal] = mapped_column(Money())
    paid_on: Mapped[date] = mapped_column(sa.Date)
    #: Who handed over or sent the money (a cashier, the travel agency).
    paid_by: Mapped[str | None] = mapped_column(sa.String(200))
    supplier: Mapped[str | None] = mapped_column(sa.String(200))
    ticket_number: Mapped[str | None] = mapped_column(sa.String(60))
    claim_id: Mapped[int | None] = mapped_column(sa.ForeignKey("claims.id"), index=True)
    #: The signed receipt (or invoice), in the file storage; its sha256 stays.
    receipt_key: Mapped[str | None] = mapped_column(sa.String(200))
    receipt_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    receipt_type: Mapped[str | None] = mapped_column(sa.String(60))
    receipt_filename: Mapped[str | None] = mapped_column(sa.String(255))
    #: Part of `base_amount` paid outside the fund (decided at approval when the money
    #: committed to the award did not cover it).
    outside_fund: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    #: Above the threshold when entered: a second administrator must approve it.
    four_eyes: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    note: Mapped[str | None] = mapped_column(sa.Text)
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    entered_at: Mapped[datetime] = created_at_column()
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Why a payment was rejected.
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: The actual cost line its approval wrote.
    cost_line_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("award_cost_lines.id", ondelete="SET NULL"), unique=True
    )

    award = relationship("Award")
    claim: Mapped[Claim | None] = relationship(back_populates="payments")
    entered_by = relationship("User", foreign_keys=[entered_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])


class Claim(Base):
    """Expenses the delegate (or an administrator for them) asks to be reimbursed."""

    __tablename__ = "claims"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint(
            "approved_amount IS NULL OR (approved_amount > 0 AND approved_amount <= amount)",
            name="approved_within_claim",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(sa.ForeignKey("awards.id"), index=True)
    category: Mapped[ClaimCategory] = enum_column(ClaimCategory)
    status: Mapped[ClaimStatus] = enum_column(ClaimStatus, default=ClaimStatus.FILED)
    currency: Mapped[str] = mapped_column(sa.String(3))
    amount: Mapped[Decimal] = mapped_column(Money())
    #: What the administrator approved, in the claim's currency.
    approved_amount: Mapped[Decimal | None] = mapped_column(Money())
    description: Mapped[str | None] = mapped_column(sa.Text)
    #: Shown to the applicant: why a claim was partly approved or rejected.
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    filed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    filed_at: Mapped[datetime] = created_at_column()
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    award = relationship("Award")
    filed_by = relationship("User", foreign_keys=[filed_by_id])
    receipts: Mapped[list[ClaimReceipt]] = relationship(
        back_populates="claim", order_by="ClaimReceipt.id", cascade="all, delete-orphan"
    )
    payments: Mapped[list[Payment]] = relationship(back_populates="claim")


class ClaimReceipt(Base):
    """One receipt of a claim (PDF or image, checked by content), in the file storage."""

    __tablename__ = "claim_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(
        sa.ForeignKey("claims.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(sa.String(200))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    content_type: Mapped[str] = mapped_column(sa.String(60))
    filename: Mapped[str] = mapped_column(sa.String(255))
    size: Mapped[int]

    claim: Mapped[Claim] = relationship(back_populates="receipts")


class ApprovalRequest(Base):
    """A reconciliation or a write-off above the threshold, waiting for a second
    administrator; approving it carries it out."""

    __tablename__ = "approval_requests"
    __table_args__ = (
        sa.CheckConstraint("amount >= 0", name="amount_positive"),
        sa.CheckConstraint(
            "status <> 'approved' OR (decided_by_id IS NOT NULL"
            " AND decided_by_id <> requested_by_id)",
            name="four_eyes",
        ),
        sa.Index("ix_approval_requests_status", "status", "requested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ApprovalKind] = enum_column(ApprovalKind)
    status: Mapped[ApprovalStatus] = enum_column(ApprovalStatus, default=ApprovalStatus.PENDING)
    award_id: Mapped[int | None] = mapped_column(sa.ForeignKey("awards.id"), index=True)
    contribution_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contributions.id"), index=True
    )
    #: The money at stake, in the base currency (or the pledge's currency for a
    #: write-off; `currency` says which).
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(sa.String(3))
    #: A reconciliation's decision on an overspend ("allocate", "absorb" or empty).
    overspend: Mapped[str | None] = mapped_column(sa.String(20))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    requested_at: Mapped[datetime] = created_at_column()
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    award = relationship("Award")
    contribution = relationship("Contribution")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
