"""One of a donor's contributions and where its money went, award by award."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from sponsorship.extensions import db
from sponsorship.models import (
    Allocation,
    Application,
    Award,
    Contribution,
    Delegate,
    Meeting,
    State,
)


def _d(value) -> Decimal:
    return Decimal(value or 0)


@dataclass(frozen=True)
class AllocationLine:
    """One allocation of a contribution: which award, how much, and where it stands."""

    reference: str
    state: str
    meeting: str
    award_status: str
    status: str
    amount: Decimal


def own_contribution(donor_id: int, contribution_id: int) -> Contribution | None:
    """The contribution if it is this donor's; None for another donor's or none at all,
    so a donor cannot even learn that another's contribution exists."""
    return db.session.scalar(
        select(Contribution).where(
            Contribution.id == contribution_id, Contribution.donor_id == donor_id
        )
    )


def allocation_lines(contribution_id: int) -> list[AllocationLine]:
    """Where a contribution's money went, award by award (no personal data)."""
    stmt = (
        select(
            Award.reference,
            State.name,
            Meeting.title,
            Award.status,
            Allocation.status,
            func.sum(Allocation.amount),
        )
        .select_from(Allocation)
        .join(Award, Award.id == Allocation.award_id)
        .join(Delegate, Delegate.id == Award.delegate_id)
        .join(Application, Application.id == Delegate.application_id)
        .join(Meeting, Meeting.id == Application.meeting_id)
        .join(State, State.id == Application.state_id)
        .where(Allocation.contribution_id == contribution_id)
        .group_by(
            Award.reference,
            State.name,
            Meeting.title,
            Meeting.starts_on,
            Award.status,
            Allocation.status,
        )
        .order_by(Meeting.starts_on.desc(), Award.reference, Allocation.status)
    )
    return [
        AllocationLine(ref, state, meeting, str(award_status), str(status), _d(amount))
        for ref, state, meeting, award_status, status, amount in db.session.execute(stmt)
    ]
