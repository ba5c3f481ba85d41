"""The waiting list: which waitlisted awards the money left could pay for now.

Reads only; changes nothing. Offering them is the review's business (`decisions`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from sponsorship.extensions import db
from sponsorship.funding.earmarks import (
    AVAILABLE,
    PRIORITY,
    RULE_COLUMNS,
    AllowedFunds,
    Fund,
    Purpose,
    award_purposes,
    meeting_parameters,
    meeting_purpose_clauses,
    plan,
    purposes_of,
    usable,
    with_purposes,
)
from sponsorship.models import (
    Allocation,
    AllocationStatus,
    Application,
    Award,
    AwardCostLine,
    AwardStatus,
    CostStage,
    Delegate,
    Meeting,
)
from sponsorship.models.base import Money


@dataclass(frozen=True)
class WaitlistCheck:
    #: The award as the caller gave it: an `Award`, or a `WaitingAward`.
    award: Award | WaitingAward
    #: What the award still needs.
    cost: Decimal
    #: True if the money left allows it, after funding the fitting awards before it.
    fits: bool


@dataclass(frozen=True, slots=True)
class WaitingAward:
    """A waitlisted award as the waiting list names and ranks it: six columns, not the
    award, its delegate and its application as objects (a third of the list's time)."""

    id: int
    reference: str
    delegate_id: int
    delegate_name: str
    #: The delegate's position in the application, and the application.
    position: int
    application_id: int


def still_needed() -> sa.ColumnElement[Decimal]:
    """What an award still needs, summed by the database: its estimate less its
    co-funded part and what is committed to it."""
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
    return sa.type_coerce(estimate - Award.cofunded_amount - committed, Money())


def _of_waitlist(stmt: sa.Select, meeting_id) -> sa.Select:
    """`stmt` over the waitlisted awards of the meeting `meeting_id` (a value, or a bind
    parameter), oldest first."""
    return (
        stmt.join(Delegate, Award.delegate_id == Delegate.id)
        .join(Application, Delegate.application_id == Application.id)
        .where(Application.meeting_id == meeting_id, Award.status == AwardStatus.WAITLISTED)
        .order_by(Award.id)
    )


def waitlisted_with_needs(meeting: Meeting) -> sa.Select:
    """The meeting's waitlisted awards, oldest first, each with what it still needs and
    with its delegate and application joined in: the waiting list in one statement."""
    return _of_waitlist(select(Award, still_needed()), meeting.id).options(
        contains_eager(Award.delegate).contains_eager(Delegate.application)
    )


@cache
def _waiting_awards_statement() -> sa.Select:
    """`waiting_awards`' statement, built once per process (the meeting is a bind
    parameter): building it took longer than running it."""
    return with_purposes(
        _of_waitlist(
            select(
                Award.id,
                Award.reference,
                Delegate.id,
                Delegate.name,
                Delegate.position,
                Delegate.application_id,
                still_needed(),
            ),
            sa.bindparam("meeting_id", type_=sa.Integer),
        )
    )


@cache
def _funds_statement() -> sa.Select:
    """The rules' columns of the money a meeting may use (`earmarks.meeting_parameters`
    fill it), in priority order; built once per process, like `_waiting_awards_statement`."""
    return (
        select(*RULE_COLUMNS).where(*meeting_purpose_clauses(), AVAILABLE > 0).order_by(*PRIORITY)
    )


def waiting_awards(
    meeting: Meeting,
) -> tuple[list[tuple[WaitingAward, Decimal]], dict[int, Purpose]]:
    """`waitlisted_with_needs` as `WaitingAward`s, for a page that names them only, and
    each award's purpose (`earmarks.with_purposes`): one statement, not two."""
    rows = db.session.execute(_waiting_awards_statement(), {"meeting_id": meeting.id}).all()
    needs: dict[int, tuple[WaitingAward, Decimal]] = {}
    for row in rows:  # a row per theme of the award's sessions
        if row[0] not in needs:
            needs[row[0]] = (WaitingAward(*row[:6]), row[6])
    return list(needs.values()), purposes_of(rows)


def waitlist(
    meeting: Meeting,
    *,
    order: Sequence[int] | None = None,
    on: date | None = None,
    needs: Sequence[tuple[Award | WaitingAward, Decimal]] | None = None,
    purposes: Mapping[int, Purpose] | None = None,
) -> list[WaitlistCheck]:
    """The meeting's waitlisted awards and whether each could be funded now.

    Awards are taken in `order` (award ids, best first; by default the order they were
    created) and each fitting one is counted as funded before the next is tried, so the
    awards marked as fitting can all be offered together. A caller that has the
    waitlisted awards already passes them as `needs`: (award, what it still needs)
    pairs, from `waitlisted_with_needs`, `waiting_awards` or `balances.outstanding`,
    taken in the order given when there is no `order`; and their `purposes` by award
    id, if it has them too.
    """
    on = on or date.today()
    if needs is None:
        needs = db.session.execute(waitlisted_with_needs(meeting)).all()
    if order is not None:
        rank = {award_id: n for n, award_id in enumerate(order)}
        needs = sorted(needs, key=lambda n: (rank.get(n[0].id, len(rank)), n[0].id))
    if purposes is None:
        purposes = award_purposes(award.id for award, _cost in needs)
    # The rules' columns, not the contributions as objects: a few hundred rows.
    funds = [
        Fund(*row)
        for row in db.session.execute(_funds_statement(), meeting_parameters(meeting, on))
    ]
    balance = {c.id: usable(c, on) for c in funds}  # in priority order
    allowed = AllowedFunds(funds, on)
    # The funds a set allows, in priority order: awards share a few sets, so each is
    # ordered once, not once per award over every fund.
    in_order: dict[frozenset, list[int]] = {}
    checks = []
    for award, cost in needs:
        ids = allowed(purposes[award.id])
        if ids not in in_order:
            in_order[ids] = [k for k in balance if k in ids]
        takes = plan(cost, ((k, balance[k]) for k in in_order[ids])) if cost > 0 else []
        for key, take in takes:
            balance[key] -= take
        checks.append(WaitlistCheck(award, cost, bool(takes)))
    return checks
