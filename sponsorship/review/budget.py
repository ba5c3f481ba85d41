"""The budget panel beside the review queue: the money for a meeting and where it
stands, in one statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

import sqlalchemy as sa
from sqlalchemy import func, select

from sponsorship.extensions import db
from sponsorship.funding import balances
from sponsorship.funding.earmarks import meeting_parameters
from sponsorship.models import (
    Allocation,
    AllocationStatus,
    Application,
    Award,
    AwardStatus,
    Delegate,
    Meeting,
)
from sponsorship.models.awards import estimate_total
from sponsorship.models.base import Money

ZERO = Decimal(0)


@dataclass(frozen=True)
class Budget:
    """The budget panel beside the queue: money for this meeting and where it stands."""

    #: Money that can still be committed to at least some of the meeting's delegates.
    available: Decimal
    committed: Decimal
    spent: Decimal
    #: Estimates of priced delegates still awaiting a decision, and of the waiting list.
    pending: Decimal
    waitlisted: Decimal
    #: Number of awards per status.
    counts: dict[str, int]


def _held(status: AllocationStatus) -> sa.ScalarSelect:
    """The money in an award's allocations of `status`, correlated to the award."""
    return (
        select(func.coalesce(func.sum(Allocation.amount), 0))
        .where(Allocation.award_id == Award.id, Allocation.status == status)
        .scalar_subquery()
    )


@cache
def _statement() -> sa.CompoundSelect:
    """`budget`'s statement, built once per process: the meeting and the day are bind
    parameters (`earmarks.meeting_parameters`), and building its two parts on every
    request cost more than running them."""
    # The meeting's awards are found once, each summed by three index probes: joining
    # allocations and cost lines to them twice, grouped each way, cost three times more.
    as_text = sa.String(32)
    available = balances.meeting_available_total().subquery()
    zero = sa.literal(0, sa.Integer)
    return sa.union_all(
        select(
            sa.literal("", as_text),
            zero,
            sa.type_coerce(available.c[0], Money()),
            sa.type_coerce(zero, Money()),
            sa.type_coerce(zero, Money()),
        ),
        select(
            sa.type_coerce(Award.status, as_text),
            func.count(Award.id),
            sa.type_coerce(func.sum(estimate_total()), Money()),
            sa.type_coerce(func.sum(_held(AllocationStatus.COMMITTED)), Money()),
            sa.type_coerce(func.sum(_held(AllocationStatus.SPENT)), Money()),
        )
        .join(Delegate, Award.delegate_id == Delegate.id)
        .join(Application, Delegate.application_id == Application.id)
        .where(Application.meeting_id == sa.bindparam("meeting_id", type_=sa.Integer))
        .group_by(Award.status),
    )


def budget(meeting: Meeting, on: date | None = None) -> Budget:
    """One query: the ledger's available money, and per award status the awards, their
    estimates and the money committed to and spent on them."""
    every = _statement()
    parameters = meeting_parameters(meeting, on or date.today())
    counts, estimates = {}, {}
    available_money = committed = spent = ZERO
    for status, n, total, held_now, spent_on in db.session.execute(every, parameters):
        if not status:  # the available money's row
            available_money = total if total is not None else ZERO  # Money: a Decimal
            continue
        counts[AwardStatus(status).value] = n
        estimates[AwardStatus(status)] = total
        committed += held_now
        spent += spent_on
    return Budget(
        available=available_money,
        committed=committed,
        spent=spent,
        pending=estimates.get(AwardStatus.PENDING, ZERO),
        waitlisted=estimates.get(AwardStatus.WAITLISTED, ZERO),
        counts=counts,
    )
