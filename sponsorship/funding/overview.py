"""Read models for the administrators' fund pages; each is a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from sponsorship.extensions import db
from sponsorship.funding.balances import meeting_awards_with_money, outstanding
from sponsorship.funding.earmarks import PRIORITY, meeting_purpose, usable
from sponsorship.funding.waiting_list import WaitlistCheck, waitlist
from sponsorship.models import (
    Allocation,
    AllocationStatus,
    Application,
    Award,
    AwardStatus,
    Contribution,
    ContributionStatus,
    CostStage,
    Delegate,
    Donor,
    Meeting,
)
from sponsorship.models.base import Money

ZERO = Decimal(0)


@dataclass(frozen=True)
class Totals:
    received: Decimal
    committed: Decimal
    spent: Decimal
    #: What can still be committed today (received, not past its spend-by date).
    available: Decimal


@dataclass(frozen=True)
class MeetingBudget:
    meeting: Meeting
    #: Money whose earmarks allow at least some of the meeting's delegates; the same
    #: money usually counts for other meetings too.
    available: Decimal
    #: Of which only for some delegates (earmarked to a region or a theme).
    restricted: Decimal
    committed: Decimal
    spent: Decimal


@dataclass(frozen=True)
class FundOverview:
    contributions: list[Contribution]
    totals: Totals
    meetings: list[MeetingBudget]


def _contributions() -> list[Contribution]:
    return list(
        db.session.scalars(
            select(Contribution)
            .options(joinedload(Contribution.donor), joinedload(Contribution.earmark_meeting))
            .order_by(*PRIORITY)
        )
    )


def _meeting_sums(meeting_ids: list[int] | None = None) -> dict[tuple[int, str], Decimal]:
    stmt = (
        select(
            Application.meeting_id,
            Allocation.status,
            sa.type_coerce(func.sum(Allocation.amount), Money()),
        )
        .join(Award, Allocation.award_id == Award.id)
        .join(Delegate, Award.delegate_id == Delegate.id)
        .join(Application, Delegate.application_id == Application.id)
        .where(Allocation.status != AllocationStatus.RELEASED)
        .group_by(Application.meeting_id, Allocation.status)
    )
    if meeting_ids is not None:
        stmt = stmt.where(Application.meeting_id.in_(meeting_ids))
    return {
        (meeting_id, AllocationStatus(status).value): total
        for meeting_id, status, total in db.session.execute(stmt)
    }


def _budget(meeting: Meeting, funds: list[Contribution], sums: dict, on: date) -> MeetingBudget:
    purpose = meeting_purpose(meeting)
    allowed = [c for c in funds if purpose.allows(c, on)]
    return MeetingBudget(
        meeting=meeting,
        available=sum((usable(c, on) for c in allowed), ZERO),
        restricted=sum(
            (usable(c, on) for c in allowed if c.earmark_region or c.earmark_theme), ZERO
        ),
        committed=sums.get((meeting.id, AllocationStatus.COMMITTED.value), ZERO),
        spent=sums.get((meeting.id, AllocationStatus.SPENT.value), ZERO),
    )


def fund_overview(on: date) -> FundOverview:
    contributions = _contributions()
    received = [c for c in contributions if c.status == ContributionStatus.RECEIVED]
    totals = Totals(
        received=sum((c.base_amount for c in received), ZERO),
        committed=sum((c.committed for c in received), ZERO),
        spent=sum((c.spent for c in received), ZERO),
        available=sum((usable(c, on) for c in received), ZERO),
    )
    sums = _meeting_sums()
    with_money = {meeting_id for meeting_id, _status in sums}
    meetings = db.session.scalars(
        select(Meeting)
        .where(sa.or_(Meeting.ends_on >= on, Meeting.id.in_(with_money)))
        .options(selectinload(Meeting.sessions))
        .order_by(Meeting.starts_on.desc())
    ).all()
    return FundOverview(
        contributions=contributions,
        totals=totals,
        meetings=[_budget(m, received, sums, on) for m in meetings],
    )


@dataclass(frozen=True)
class AwardFunding:
    award: Award
    estimate: Decimal
    committed: Decimal
    spent: Decimal


@dataclass(frozen=True)
class MeetingFunding:
    budget: MeetingBudget
    awards: list[AwardFunding]
    waitlist: list[WaitlistCheck]


def meeting_funding(meeting: Meeting, on: date) -> MeetingFunding:
    funds = [c for c in _contributions() if c.status == ContributionStatus.RECEIVED]
    budget = _budget(meeting, funds, _meeting_sums([meeting.id]), on)
    # The funded awards and the waiting list in one load: both show the same parts.
    awards = db.session.scalars(
        meeting_awards_with_money(meeting)
        .where(sa.or_(Award.allocations.any(), Award.status == AwardStatus.WAITLISTED))
        .order_by(Award.reference)
    ).all()
    rows = [
        AwardFunding(
            award=a,
            estimate=a.total(CostStage.ESTIMATE),
            committed=sum(
                (x.amount for x in a.allocations if x.status == AllocationStatus.COMMITTED), ZERO
            ),
            spent=sum(
                (x.amount for x in a.allocations if x.status == AllocationStatus.SPENT), ZERO
            ),
        )
        for a in awards
        if a.allocations
    ]
    waiting = sorted((a for a in awards if a.status == AwardStatus.WAITLISTED), key=lambda a: a.id)
    return MeetingFunding(
        budget=budget,
        awards=rows,
        waitlist=waitlist(meeting, on=on, needs=[(a, outstanding(a)) for a in waiting]),
    )


@dataclass(frozen=True)
class ContributionDetail:
    contribution: Contribution
    allocations: list[Allocation]
    usable: Decimal


def contribution_detail(contribution: Contribution, on: date) -> ContributionDetail:
    allocations = db.session.scalars(
        select(Allocation)
        .where(Allocation.contribution_id == contribution.id)
        .options(
            selectinload(Allocation.award)
            .selectinload(Award.delegate)
            .selectinload(Delegate.application)
            .options(selectinload(Application.state), selectinload(Application.meeting))
        )
        .order_by(Allocation.id)
    ).all()
    return ContributionDetail(contribution, list(allocations), usable(contribution, on))


@dataclass(frozen=True)
class DonorRow:
    donor: Donor
    contributions: int
    received: Decimal
    pledged: int


def donors() -> list[DonorRow]:
    stats = {
        donor_id: (n, received, pledged)
        for donor_id, n, received, pledged in db.session.execute(
            select(
                Contribution.donor_id,
                func.count(Contribution.id),
                sa.type_coerce(func.coalesce(func.sum(Contribution.base_amount), 0), Money()),
                func.sum(sa.case((Contribution.status == ContributionStatus.PLEDGED, 1), else_=0)),
            ).group_by(Contribution.donor_id)
        )
    }
    return [
        DonorRow(d, *stats.get(d.id, (0, ZERO, 0)))
        for d in db.session.scalars(select(Donor).order_by(Donor.name))
    ]


def donor_contributions(donor: Donor) -> list[Contribution]:
    return list(
        db.session.scalars(
            select(Contribution)
            .where(Contribution.donor_id == donor.id)
            .options(selectinload(Contribution.earmark_meeting))
            .order_by(Contribution.pledged_on.desc(), Contribution.id.desc())
        )
    )
