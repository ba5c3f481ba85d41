"""Awards: the sponsorship of one delegate, with its priced cost lines."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sponsorship.core import money
from sponsorship.models.base import (
    Base,
    Money,
    StrEnum,
    UTCDateTime,
    created_at_column,
    enum_column,
)


class AwardStatus(StrEnum):
    #: Priced or awaiting a decision.
    PENDING = "pending"
    OFFERED = "offered"
    WAITLISTED = "waitlisted"
    REJECTED = "rejected"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"


class CostKind(StrEnum):
    AIRFARE = "airfare"
    DSA = "dsa"
    TERMINAL = "terminal"
    VISA = "visa"
    OTHER = "other"


class CostStage(StrEnum):
    #: Priced before the offer; what the allocation commits.
    ESTIMATE = "estimate"
    #: Paid, recorded after the meeting; what reconciliation spends.
    ACTUAL = "actual"


class Award(Base):
    __tablename__ = "awards"
    __table_args__ = (
        sa.Index("ix_awards_status_deadline", "status", "offer_deadline"),
        # The review's history of each State: no-shows, and attended without a report.
        sa.Index("ix_awards_status_report", "status", "report_received_at"),
        sa.CheckConstraint("cofunded_amount >= 0", name="cofunded_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    delegate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("delegates.id", ondelete="CASCADE"), unique=True
    )
    #: Human reference printed on letters, e.g. SP-2025-MSP22-0007.
    reference: Mapped[str] = mapped_column(sa.String(40), unique=True)
    status: Mapped[AwardStatus] = enum_column(AwardStatus, default=AwardStatus.PENDING)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    offer_deadline: Mapped[date | None] = mapped_column(sa.Date)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Shown to the applicant when the delegate is rejected.
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    decline_reason: Mapped[str | None] = mapped_column(sa.Text)
    confirmed_departure_city: Mapped[str | None] = mapped_column(sa.String(120))
    travel_out_on: Mapped[date | None] = mapped_column(sa.Date)
    travel_back_on: Mapped[date | None] = mapped_column(sa.Date)
    report_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reconciled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_at_column()
    #: Co-funding: a share of the estimate paid by the State or another body, declared
    #: before the offer; the fund commits only the rest (`fund_share`).
    cofunded_by: Mapped[str | None] = mapped_column(sa.String(200))
    cofunded_amount: Mapped[Decimal] = mapped_column(
        Money(), default=Decimal(0), server_default="0"
    )
    #: The contribution an administrator chose to pay for this award (its earmarks must
    #: allow it; the ledger checks again when committing). None: the ledger's rule.
    pinned_contribution_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contributions.id", ondelete="SET NULL")
    )

    delegate = relationship("Delegate", back_populates="award")
    cost_lines: Mapped[list[AwardCostLine]] = relationship(
        back_populates="award", cascade="all, delete-orphan", order_by="AwardCostLine.id"
    )
    allocations = relationship("Allocation", back_populates="award")
    letters = relationship("Letter", back_populates="award", order_by="Letter.version")

    def total(self, stage: CostStage = CostStage.ESTIMATE) -> Decimal:
        """The sum of the award's cost lines at `stage` (exact; `core.money`)."""
        return money.total(line for line in self.cost_lines if line.stage == stage)

    def fund_share(self) -> Decimal:
        """What the fund pays of the estimate: all of it but the co-funded share."""
        return self.total(CostStage.ESTIMATE) - (self.cofunded_amount or Decimal(0))

    def __init__(self, **kwargs) -> None:
        # Column defaults apply at INSERT; the workflow needs the status before that.
        kwargs.setdefault("status", AwardStatus.PENDING)
        kwargs.setdefault("cofunded_amount", Decimal(0))
        super().__init__(**kwargs)


class AwardCostLine(Base):
    """One priced line of an award, in the base currency."""

    __tablename__ = "award_cost_lines"
    __table_args__ = (
        sa.CheckConstraint("amount >= 0", name="amount_positive"),
        sa.CheckConstraint("quantity >= 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(
        sa.ForeignKey("awards.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[CostKind] = enum_column(CostKind)
    stage: Mapped[CostStage] = enum_column(CostStage, default=CostStage.ESTIMATE)
    description: Mapped[str | None] = mapped_column(sa.String(200))
    quantity: Mapped[Decimal] = mapped_column(Money(), default=Decimal(1))
    unit_amount: Mapped[Decimal] = mapped_column(Money())
    amount: Mapped[Decimal] = mapped_column(Money())
    #: The day the money moved, when known (an imported payment); open data dates the
    #: line by it, else by the meeting's first day.
    paid_on: Mapped[date | None] = mapped_column(sa.Date)

    award: Mapped[Award] = relationship(back_populates="cost_lines")


def estimate_total() -> sa.ScalarSelect[Decimal]:
    """`Award.total()` (the estimate) in SQL, correlated to the award, zero without cost
    lines: for a page that reads or sums the estimates of many awards in the database."""
    return (
        sa.select(sa.func.coalesce(sa.func.sum(AwardCostLine.amount), 0))
        .where(AwardCostLine.award_id == Award.id, AwardCostLine.stage == CostStage.ESTIMATE)
        .scalar_subquery()
    )
