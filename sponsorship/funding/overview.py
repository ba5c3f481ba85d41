"""Read models for the administrators' fund pages; each is a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from sponsorship.core.paging import page_window
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
#: Contributions per page of the overview: at twenty years there are a thousand.
PER_PAGE = 50
#: The overview budgets the meetings that ended within this long, and those to come.
RECENT = timedelta(days=365)


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
    #: One page of the contributions: those still in play first, in the order the
    #: money is used, then the spent, expired and cancelled ones.
    contributions: list[Contribution]
    totals: Totals
    meetings: list[MeetingBudget]
    page: int = 1
    pages: int = 1
    #: How many contributions are pledged or still have money to use today.
    in_play: int = 0
    #: Meetings that ended more than RECENT ago, not listed.
    older_meetings: int = 0


def _left():
    return Contribution.base_amount - Contribution.committed - Contribution.spent


def _usable_clause(on: date):
    """SQL for `usable(c, on) > 0`: received, within its spend-by date, money left."""
    return sa.and_(
        Contribution.status == ContributionStatus.RECEIVED,
        sa.or_(Contribution.spend_by.is_(None), Contribution.spend_by >= on),
        _left() > 0,
    )


def _in_play_clause(on: date):
    return sa.or_(Contribution.status == ContributionStatus.PLEDGED, _usable_clause(on))


def _totals(on: date) -> Totals:
    """The fund's totals summed by the database: twenty years of contributions are
    not loaded to add four numbers."""

    def total(expr):
        return sa.type_coerce(func.coalesce(func.sum(expr), 0), Money())

    received, committed, spent, available = db.session.execute(
        select(
            total(Contribution.base_amount),
            total(Contribution.committed),
            total(Contribution.spent),
            total(sa.case((_usable_clause(on), _left()), else_=0)),
        ).where(Contribution.status == ContributionStatus.RECEIVED)
    ).one()
    return Totals(received=received, committed=committed, spent=spent, available=available)


def _page_of_contributions(on: date, page: int) -> tuple[list[Contribution], int, int, int]:
    """(one page of contributions, the page, the number of pages, how many in play)."""
    in_play = _in_play_clause(on)
    count, playing = db.session.execute(
        select(func.count(Contribution.id), func.sum(sa.case((in_play, 1), else_=0)))
    ).one()
    page, pages = page_window(count, PER_PAGE, page)
    rows = db.session.scalars(
        select(Contribution)
        .options(joinedload(Contribution.donor), joinedload(Contribution.earmark_meeting))
        .order_by(sa.case((in_play, 0), else_=1), *PRIORITY)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return list(rows), page, pages, int(playing or 0)


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


@dataclass(frozen=True)
class _Pot:
    """The usable money of every contribution with the same earmarks, summed: which
    meetings it may pay for depends only on the earmarks (all of it is received and
    within its spend-by date), so a budget adds pots, not contributions."""

    earmark_meeting_id: int | None
    earmark_meeting_kind: object
    earmark_year: int | None
    earmark_region: object
    earmark_theme: object
    usable: Decimal
    status: ContributionStatus = ContributionStatus.RECEIVED
    spend_by: date | None = None


def _pots(on: date) -> list[_Pot]:
    """The usable money by earmarks, summed by the database: one query, a row per
    combination of earmarks in use (a few dozen), whatever the years of data."""
    earmarks = (
        Contribution.earmark_meeting_id,
        Contribution.earmark_meeting_kind,
        Contribution.earmark_year,
        Contribution.earmark_region,
        Contribution.earmark_theme,
    )
    rows = db.session.execute(
        select(*earmarks, sa.type_coerce(func.sum(_left()), Money()))
        .where(_usable_clause(on))
        .group_by(*earmarks)
    )
    return [_Pot(*row) for row in rows]


def _budget(meeting: Meeting, pots: list[_Pot], sums: dict, on: date) -> MeetingBudget:
    purpose = meeting_purpose(meeting)
    allowed = [p for p in pots if purpose.allows(p, on)]
    return MeetingBudget(
        meeting=meeting,
        available=sum((p.usable for p in allowed), ZERO),
        restricted=sum((p.usable for p in allowed if p.earmark_region or p.earmark_theme), ZERO),
        committed=sums.get((meeting.id, AllocationStatus.COMMITTED.value), ZERO),
        spent=sums.get((meeting.id, AllocationStatus.SPENT.value), ZERO),
    )


def fund_overview(on: date, page: int = 1) -> FundOverview:
    """The fund at a glance, in a fixed number of queries whatever the years of data:
    totals summed in SQL, budgets from the money still usable only (spent and expired
    contributions add nothing to them), and one page of the contributions."""
    contributions, page, pages, in_play = _page_of_contributions(on, page)
    pots = _pots(on)
    # The meetings of the past year and those to come: older budgets are history (each
    # meeting's own funds page, the programme report), and summing twenty years of
    # allocations by meeting is what made this page slow.
    meetings = db.session.scalars(
        select(Meeting)
        .where(Meeting.ends_on >= on - RECENT)
        .options(selectinload(Meeting.sessions))
        .order_by(Meeting.starts_on.desc())
    ).all()
    sums = _meeting_sums([m.id for m in meetings])
    older = db.session.scalar(select(func.count(Meeting.id)).where(Meeting.ends_on < on - RECENT))
    return FundOverview(
        contributions=contributions,
        totals=_totals(on),
        meetings=[_budget(m, pots, sums, on) for m in meetings],
        page=page,
        pages=pages,
        in_play=in_play,
        older_meetings=older or 0,
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
    budget = _budget(meeting, _pots(on), _meeting_sums([meeting.id]), on)
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
