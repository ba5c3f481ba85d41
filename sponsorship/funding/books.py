"""Checking the books: every contribution's balances against its allocation rows.

`flask funds check` prints it; after a restore, and in the tests, the books must
balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from sponsorship.core import money
from sponsorship.extensions import db
from sponsorship.models import Allocation, AllocationStatus, Contribution, ContributionStatus
from sponsorship.models.base import Money


@dataclass(frozen=True)
class BookLine:
    contribution: Contribution
    rows_committed: Decimal
    rows_spent: Decimal
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def _row_sums() -> dict[tuple[int, str], Decimal]:
    """(contribution id, allocation status) -> the sum of its allocation rows."""
    return {
        (contribution_id, AllocationStatus(status).value): total
        for contribution_id, status, total in db.session.execute(
            select(
                Allocation.contribution_id,
                Allocation.status,
                sa.type_coerce(func.sum(Allocation.amount), Money()),
            ).group_by(Allocation.contribution_id, Allocation.status)
        )
    }


def _problems(c: Contribution, committed: Decimal, spent: Decimal) -> list[str]:
    problems = []
    if c.committed != committed:
        problems.append(f"committed {c.committed} but committed rows sum to {committed}")
    if c.spent != spent:
        problems.append(f"spent {c.spent} but spent rows sum to {spent}")
    if c.status == ContributionStatus.RECEIVED:
        if c.committed + c.spent > c.base_amount:
            problems.append(
                f"committed + spent {c.committed + c.spent} exceed received {c.base_amount}"
            )
        expected = money.to_base(c.amount, c.exchange_rate)
        if c.base_amount != expected:
            problems.append(
                f"base amount {c.base_amount} but {c.amount} x {c.exchange_rate}"
                f" rounds to {expected}"
            )
    elif c.committed or c.spent or committed or spent:
        problems.append(f"{c.status.value} money has allocations")
    return problems


def check_books() -> list[BookLine]:
    """Recompute every contribution's balances from the allocation rows and compare."""
    sums = _row_sums()
    contributions = db.session.scalars(
        select(Contribution).options(selectinload(Contribution.donor)).order_by(Contribution.id)
    ).all()
    lines = []
    for c in contributions:
        committed = sums.get((c.id, AllocationStatus.COMMITTED.value), money.ZERO)
        spent = sums.get((c.id, AllocationStatus.SPENT.value), money.ZERO)
        lines.append(BookLine(c, committed, spent, tuple(_problems(c, committed, spent))))
    return lines
