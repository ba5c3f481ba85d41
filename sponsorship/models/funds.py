"""Donors, their contributions (with earmarks) and allocations of money to awards."""

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
from sponsorship.models.meetings import MeetingKind, Theme
from sponsorship.models.states import RegionalGroup


class ContributionStatus(StrEnum):
    PLEDGED = "pledged"
    RECEIVED = "received"
    CANCELLED = "cancelled"


class AllocationStatus(StrEnum):
    COMMITTED = "committed"
    SPENT = "spent"
    RELEASED = "released"


class Donor(Base):
    __tablename__ = "donors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    short_name: Mapped[str | None] = mapped_column(sa.String(40))
    #: ISO alpha-3 code when the donor is a State; empty for organisations.
    country_iso3: Mapped[str | None] = mapped_column(sa.String(3))
    #: Identifier used in open-data exports (IATI organisation ref, 360Giving org id).
    org_identifier: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = created_at_column()

    contributions: Mapped[list[Contribution]] = relationship(
        back_populates="donor", order_by="Contribution.pledged_on"
    )


class Contribution(Base):
    """Money from one donor: pledged, then received at a stated rate.

    `committed` and `spent` are running balances kept by the ledger service in the
    same transaction as the allocation rows, so the CHECK below can refuse an
    over-commitment inside the database, whatever the application does.
    """

    __tablename__ = "contributions"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("committed >= 0 AND spent >= 0", name="balances_positive"),
        sa.CheckConstraint(
            "committed + spent <= COALESCE(base_amount, 0)", name="never_overcommitted"
        ),
        sa.CheckConstraint(
            "status <> 'received' OR (base_amount IS NOT NULL AND exchange_rate IS NOT NULL"
            " AND rate_date IS NOT NULL AND received_on IS NOT NULL)",
            name="received_is_converted",
        ),
        sa.CheckConstraint("exchange_rate IS NULL OR exchange_rate > 0", name="rate_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    donor_id: Mapped[int] = mapped_column(sa.ForeignKey("donors.id"), index=True)
    reference: Mapped[str] = mapped_column(sa.String(60), unique=True)
    status: Mapped[ContributionStatus] = enum_column(
        ContributionStatus, default=ContributionStatus.PLEDGED
    )
    #: ISO 4217 code of the money as given.
    currency: Mapped[str] = mapped_column(sa.String(3))
    amount: Mapped[Decimal] = mapped_column(Money())
    #: Units of base currency per unit of `currency`, as used on `rate_date`. Stored,
    #: never recomputed: history keeps the rate the books were written with.
    exchange_rate: Mapped[Decimal | None] = mapped_column(Rate())
    rate_date: Mapped[date | None] = mapped_column(sa.Date)
    base_amount: Mapped[Decimal | None] = mapped_column(Money())
    committed: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    spent: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    pledged_on: Mapped[date] = mapped_column(sa.Date)
    received_on: Mapped[date | None] = mapped_column(sa.Date)
    #: Money not committed by this date may not be used any more.
    spend_by: Mapped[date | None] = mapped_column(sa.Date)
    # Earmarks: each one set narrows what the money may pay for; all must hold.
    earmark_meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meetings.id"))
    earmark_meeting_kind: Mapped[MeetingKind | None] = enum_column(MeetingKind, nullable=True)
    earmark_year: Mapped[int | None]
    earmark_region: Mapped[RegionalGroup | None] = enum_column(RegionalGroup, nullable=True)
    earmark_theme: Mapped[Theme | None] = enum_column(Theme, nullable=True)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = created_at_column()

    donor: Mapped[Donor] = relationship(back_populates="contributions")
    earmark_meeting = relationship("Meeting")
    allocations = relationship("Allocation", back_populates="contribution")

    @property
    def available(self) -> Decimal:
        if self.status != ContributionStatus.RECEIVED or self.base_amount is None:
            return Decimal(0)
        return self.base_amount - self.committed - self.spent

    @property
    def restriction_count(self) -> int:
        return sum(
            value is not None
            for value in (
                self.earmark_meeting_id,
                self.earmark_meeting_kind,
                self.earmark_year,
                self.earmark_region,
                self.earmark_theme,
            )
        )


class Allocation(Base):
    """Money from one contribution committed to (later spent on, or released from) an award."""

    __tablename__ = "allocations"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.Index("ix_allocations_contribution_status", "contribution_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(sa.ForeignKey("contributions.id"))
    award_id: Mapped[int] = mapped_column(sa.ForeignKey("awards.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    status: Mapped[AllocationStatus] = enum_column(
        AllocationStatus, default=AllocationStatus.COMMITTED
    )
    created_at: Mapped[datetime] = created_at_column()
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    contribution: Mapped[Contribution] = relationship(back_populates="allocations")
    award = relationship("Award", back_populates="allocations")
