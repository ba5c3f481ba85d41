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
from sponsorship.models import (
    Allocation,
    AllocationStatus,
    ApprovalRequest,
    ApprovalStatus,
    Award,
    AwardCostLine,
    Contribution,
    ContributionStatus,
    CostStage,
    Payment,
    PaymentStatus,
)
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


def _sums(stmt) -> dict[int, Decimal]:
    return {key: total for key, total in db.session.execute(stmt)}


def _summed(column, *where, by=Allocation.award_id):
    return select(by, sa.type_coerce(func.sum(column), Money())).where(*where).group_by(by)


def _payment_problems() -> list[str]:
    problems = []
    for p in db.session.scalars(
        select(Payment).where(
            sa.or_(
                sa.and_(
                    Payment.status == PaymentStatus.APPROVED,
                    sa.or_(
                        Payment.cost_line_id.is_(None),
                        sa.and_(
                            Payment.four_eyes,
                            sa.or_(
                                Payment.decided_by_id.is_(None),
                                Payment.decided_by_id == Payment.entered_by_id,
                            ),
                        ),
                    ),
                ),
                sa.and_(Payment.status != PaymentStatus.APPROVED, Payment.cost_line_id.isnot(None)),
            )
        )
    ):
        if p.status != PaymentStatus.APPROVED:
            problems.append(f"payment {p.id} is {p.status.value} but wrote an actual cost")
        elif p.cost_line_id is None:
            problems.append(f"payment {p.id} is approved without its actual cost line")
        else:
            problems.append(f"payment {p.id} above the threshold lacks a second approval")
    for r in db.session.scalars(
        select(ApprovalRequest).where(
            ApprovalRequest.status == ApprovalStatus.APPROVED,
            sa.or_(
                ApprovalRequest.decided_by_id.is_(None),
                ApprovalRequest.decided_by_id == ApprovalRequest.requested_by_id,
            ),
        )
    ):
        problems.append(f"{r.kind.value} request {r.id} approved by whoever asked for it")
    return problems


def check_spend_approvals() -> list[str]:
    """Spend without its approvals: every award's spent money must be covered by its
    approved payments (their part paid from the fund) and the actual costs recorded
    without a payment (typed before payments existed, or imported history, which
    reconciliation spent); every approved payment above the threshold has its second
    administrator, and every approved request its own."""
    spent = _sums(_summed(Allocation.amount, Allocation.status == AllocationStatus.SPENT))
    paid = _sums(
        select(Payment.award_id, sa.type_coerce(func.sum(Payment.base_amount), Money()))
        .where(Payment.status == PaymentStatus.APPROVED)
        .group_by(Payment.award_id)
    )
    outside = _sums(
        select(Payment.award_id, sa.type_coerce(func.sum(Payment.outside_fund), Money()))
        .where(Payment.status == PaymentStatus.APPROVED)
        .group_by(Payment.award_id)
    )
    linked = select(Payment.cost_line_id).where(Payment.cost_line_id.isnot(None))
    typed = _sums(
        select(AwardCostLine.award_id, sa.type_coerce(func.sum(AwardCostLine.amount), Money()))
        .where(AwardCostLine.stage == CostStage.ACTUAL, AwardCostLine.id.not_in(linked))
        .group_by(AwardCostLine.award_id)
    )
    problems = _payment_problems()
    references = _sums(select(Award.id, Award.reference))
    for award_id, amount in sorted(spent.items()):
        approved = (
            paid.get(award_id, money.ZERO)
            - outside.get(award_id, money.ZERO)
            + typed.get(award_id, money.ZERO)
        )
        if amount > approved:
            problems.append(
                f"award {references.get(award_id, award_id)} spent {amount}"
                f" but its approved costs are {approved}"
            )
    return problems
