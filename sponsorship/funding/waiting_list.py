"""The waiting list: which waitlisted awards the money left could pay for now.

Reads only; changes nothing. Offering them is the review's business (`decisions`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from sponsorship.extensions import db
from sponsorship.funding.earmarks import (
    AVAILABLE,
    PRIORITY,
    AllowedFunds,
    award_purposes,
    meeting_purpose,
    plan,
    usable,
)
from sponsorship.models import (
    Allocation,
    AllocationStatus,
    Application,
    Award,
    AwardCostLine,
    AwardStatus,
    Contribution,
    CostStage,
    Delegate,
    Meeting,
)
from sponsorship.models.base import Money


@dataclass(frozen=True)
class WaitlistCheck:
    award: Award
    #: What the award still needs.
    cost: Decimal
    #: True if the money left allows it, after funding the fitting awards before it.
    fits: bool


def waitlisted_with_needs(meeting: Meeting) -> sa.Select:
    """The meeting's waitlisted awards, oldest first, each with what it still needs (its
    estimate less what is committed to it, summed by the database) and with its delegate
    and application joined in: the waiting list in one statement."""
    estimate = (
        select(func.coalesce(func.sum(AwardCostLine.amount), 0))
        .where(AwardCostLine.award_id == Award.id, AwardCostLine.stage == CostStage.ESTIMATE)
        .scalar_subquery()
    )
    committed = (
        select(func.coalesce(func.sum(Allocation.amount), 0))
        .where(Allocation.award_id == Award.id, Allocation.status == AllocationStatus.COMMITTED)
        .scalar_subquery()
    )
    return (
        select(Award, sa.type_coerce(estimate - Award.cofunded_amount - committed, Money()))
        .join(Delegate, Award.delegate_id == Delegate.id)
        .join(Application, Delegate.application_id == Application.id)
        .where(Application.meeting_id == meeting.id, Award.status == AwardStatus.WAITLISTED)
        .options(contains_eager(Award.delegate).contains_eager(Delegate.application))
        .order_by(Award.id)
    )


def waitlist(
    meeting: Meeting,
    *,
    order: Sequence[int] | None = None,
    on: date | None = None,
    needs: Sequence[tuple[Award, Decimal]] | None = None,
) -> list[WaitlistCheck]:
    """The meeting's waitlisted awards and whether each could be funded now.

    Awards are taken in `order` (award ids, best first; by default the order they were
    created) and each fitting one is counted as funded before the next is tried, so the
    awards marked as fitting can all be offered together. A caller that has the
    waitlisted awards already passes them as `needs`: (award, what it still needs)
    pairs, from `waitlisted_with_needs` or `balances.outstanding`, taken in the order
    given when there is no `order`.
    """
    on = on or date.today()
    if needs is None:
        needs = db.session.execute(waitlisted_with_needs(meeting)).all()
    if order is not None:
        rank = {award_id: n for n, award_id in enumerate(order)}
        needs = sorted(needs, key=lambda n: (rank.get(n[0].id, len(rank)), n[0].id))
    purposes = award_purposes(award.id for award, _cost in needs)
    funds = db.session.scalars(
        select(Contribution)
        .where(*meeting_purpose(meeting).clauses(on), AVAILABLE > 0)
        .order_by(*PRIORITY)
    ).all()
    balance = {c.id: usable(c, on) for c in funds}
    allowed = AllowedFunds(funds, on)
    # The funds a set allows, in priority order: awards share a few sets, so each is
    # ordered once, not once per award over every fund.
    in_order: dict[frozenset, list[int]] = {}
    checks = []
    for award, cost in needs:
        ids = allowed(purposes[award.id])
        if ids not in in_order:
            in_order[ids] = [c.id for c in funds if c.id in ids]
        takes = plan(cost, ((k, balance[k]) for k in in_order[ids])) if cost > 0 else []
        for key, take in takes:
            balance[key] -= take
        checks.append(WaitlistCheck(award, cost, bool(takes)))
    return checks
