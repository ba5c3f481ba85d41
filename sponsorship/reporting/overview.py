"""The administrators' home: the programme at a glance, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from sponsorship.extensions import db
from sponsorship.models import (
    Application,
    ApplicationStatus,
    Award,
    AwardStatus,
    Contribution,
    ContributionStatus,
    Meeting,
    User,
)


@dataclass(frozen=True)
class AdminOverview:
    meetings_upcoming: list[Meeting]
    applications_by_status: dict[str, int]
    awards_by_status: dict[str, int]
    received: Decimal
    committed: Decimal
    spent: Decimal
    users: int

    @property
    def available(self) -> Decimal:
        return self.received - self.committed - self.spent


def admin_overview(today: date) -> AdminOverview:
    upcoming = list(
        db.session.scalars(
            select(Meeting).where(Meeting.ends_on >= today).order_by(Meeting.starts_on)
        )
    )
    apps = dict(
        db.session.execute(
            select(Application.status, func.count()).group_by(Application.status)
        ).all()
    )
    awards = dict(
        db.session.execute(select(Award.status, func.count()).group_by(Award.status)).all()
    )
    received, committed, spent = db.session.execute(
        select(
            func.coalesce(func.sum(Contribution.base_amount), 0),
            func.coalesce(func.sum(Contribution.committed), 0),
            func.coalesce(func.sum(Contribution.spent), 0),
        ).where(Contribution.status == ContributionStatus.RECEIVED)
    ).one()
    return AdminOverview(
        meetings_upcoming=upcoming,
        applications_by_status={ApplicationStatus(k).value: v for k, v in apps.items()},
        awards_by_status={AwardStatus(k).value: v for k, v in awards.items()},
        received=Decimal(received),
        committed=Decimal(committed),
        spent=Decimal(spent),
        users=db.session.scalar(select(func.count(User.id))) or 0,
    )
