"""Read models for the three dashboards; each is a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from sponsorship.extensions import db
from sponsorship.models import (
    Allocation,
    AllocationStatus,
    Application,
    ApplicationStatus,
    Award,
    AwardStatus,
    Contribution,
    ContributionStatus,
    Delegate,
    Donor,
    Meeting,
    State,
    User,
)


def open_meetings(today: date) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting)
            .where(
                Meeting.window_open.is_(True),
                Meeting.applications_open_on <= today,
                Meeting.applications_close_on >= today,
            )
            .options(selectinload(Meeting.sessions))
            .order_by(Meeting.applications_close_on)
        )
    )


def state_applications(state: State) -> list[Application]:
    return list(
        db.session.scalars(
            select(Application)
            .where(Application.state_id == state.id)
            .options(
                selectinload(Application.meeting),
                selectinload(Application.delegates).selectinload(Delegate.award),
            )
            .join(Application.meeting)
            .order_by(Meeting.starts_on.desc())
        )
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


def donor_contributions(donor: Donor) -> list[Contribution]:
    return list(
        db.session.scalars(
            select(Contribution)
            .where(Contribution.donor_id == donor.id)
            .options(selectinload(Contribution.earmark_meeting))
            .order_by(Contribution.pledged_on.desc())
        )
    )


def donor_funded_awards(donor: Donor) -> int:
    """How many awards this donor's money is committed to or spent on."""
    return (
        db.session.scalar(
            select(func.count(sa.distinct(Allocation.award_id)))
            .join(Allocation.contribution)
            .where(
                Contribution.donor_id == donor.id,
                Allocation.status != AllocationStatus.RELEASED,
            )
        )
        or 0
    )
