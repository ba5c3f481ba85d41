"""What the review of applications runs on: the priority weights and the fare table.

Both are data an administrator edits, not code: the donors' group changes its
priorities from one year to the next, and fares move with the market.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sponsorship.models.base import Base, Money, StrEnum, UTCDateTime, enum_column, utcnow
from sponsorship.models.states import RegionalGroup


class Criterion(StrEnum):
    """The priorities of SPEC section 1; each one has a weight row."""

    #: The State's Article 5 clearance deadline falls within `horizon_years` of the meeting.
    ARTICLE5_DEADLINE = "article5_deadline"
    ARTICLE5_EXTENSION = "article5_extension"
    ARTICLE4_STOCKPILE = "article4_stockpile"
    SURVIVORS = "survivors"
    #: Signatories and States not party: universalization.
    NOT_PARTY = "not_party"
    LDC = "ldc"
    ODA = "oda"
    FIRST_TIME = "first_time"
    #: The application nominates a woman while women are under half of the meeting's pool.
    GENDER_BALANCE = "gender_balance"
    #: A national statement or a presentation is planned.
    SPEAKING = "speaking"
    #: Per earlier sponsored delegate of the State who did not attend.
    PAST_NO_SHOW = "past_no_show"
    #: Per earlier sponsored delegate of the State whose report is overdue.
    MISSING_REPORT = "missing_report"


class ScoringWeight(Base):
    """The points one criterion adds to (or, negative, takes from) a priority score."""

    __tablename__ = "scoring_weights"
    __table_args__ = (
        sa.CheckConstraint("points BETWEEN -1000 AND 1000", name="points_bounded"),
        sa.CheckConstraint(
            "horizon_years IS NULL OR horizon_years BETWEEN 0 AND 50", name="horizon_bounded"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion: Mapped[Criterion] = enum_column(Criterion, unique=True)
    points: Mapped[int] = mapped_column(default=0)
    #: Only for the Article 5 deadline: how many years ahead a deadline counts as soon.
    horizon_years: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class Airfare(Base):
    """An economy return fare to the meetings from one departure region, base currency."""

    __tablename__ = "airfares"
    __table_args__ = (sa.CheckConstraint("amount >= 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[RegionalGroup] = enum_column(RegionalGroup, unique=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
