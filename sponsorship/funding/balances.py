"""Reading the fund's balances: money still available, what an award holds and needs.

Reads only. The rules for which money may pay for what are in `earmarks`, and the
rulebook for moving money in `ledger`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from sponsorship.core import money
from sponsorship.extensions import db
from sponsorship.funding.earmarks import (
    AVAILABLE,
    award_purpose,
    meeting_purpose,
    meeting_purpose_clauses,
)
from sponsorship.models import (
    Allocation,
    AllocationStatus,
    Application,
    Award,
    Contribution,
    ContributionStatus,
    Delegate,
    Donor,
    Meeting,
)
from sponsorship.models.base import Money


def available_total(
    *,
    meeting: Meeting | None = None,
    award: Award | None = None,
    donor: Donor | None = None,
    contribution: Contribution | None = None,
    on: date | None = None,
) -> sa.Select:
    """The statement summing `available`'s money (NULL when there is none), for a
    caller that reads it together with other figures."""
    on = on or date.today()
    where = [
        Contribution.status == ContributionStatus.RECEIVED,
        sa.or_(Contribution.spend_by.is_(None), Contribution.spend_by >= on),
        AVAILABLE > 0,
    ]
    if meeting is not None:
        where += meeting_purpose(meeting).clauses(on)
    if award is not None:
        where += award_purpose(award.id).clauses(on)
    if donor is not None:
        where.append(Contribution.donor_id == donor.id)
    if contribution is not None:
        where.append(Contribution.id == contribution.id)
    return select(func.sum(AVAILABLE)).where(*where)


@cache
def meeting_available_total() -> sa.Select:
    """`available_total(meeting=..., on=...)` over the bind parameters that
    `earmarks.meeting_parameters` fills, built once per process for a page that reads
    it on every request. (Purpose.clauses already ask for received money not past its
    spend-by date.)"""
    return select(func.sum(AVAILABLE)).where(*meeting_purpose_clauses(), AVAILABLE > 0)


def available(**narrowing) -> Decimal:
    """Money that can still be committed on `on`, narrowed by every argument given (those
    of `available_total`: meeting, award, donor, contribution, on).

    For a meeting this is money whose earmarks allow at least some of its delegates;
    the same money usually also counts for other meetings.
    """
    total = db.session.scalar(available_total(**narrowing))
    return total if total is not None else money.ZERO


def award_committed(award_id: int) -> Decimal:
    """What is committed to the award now, summed by the database."""
    total = db.session.scalar(
        select(sa.type_coerce(func.sum(Allocation.amount), Money())).where(
            Allocation.award_id == award_id, Allocation.status == AllocationStatus.COMMITTED
        )
    )
    return total if total is not None else money.ZERO


def outstanding(award: Award) -> Decimal:
    """What a loaded award (cost lines and allocations) still needs to be funded."""
    committed = money.total(a for a in award.allocations if a.status == AllocationStatus.COMMITTED)
    return award.fund_share() - committed


def meeting_awards_with_money(meeting: Meeting) -> sa.Select:
    """The meeting's awards with their cost lines and allocations, and their delegate,
    application and State joined in: what a page about the meeting's money shows."""
    return (
        select(Award)
        .join(Delegate, Award.delegate_id == Delegate.id)
        .join(Application, Delegate.application_id == Application.id)
        .where(Application.meeting_id == meeting.id)
        .options(
            selectinload(Award.cost_lines),
            selectinload(Award.allocations),
            contains_eager(Award.delegate)
            .contains_eager(Delegate.application)
            .joinedload(Application.state),
        )
    )
