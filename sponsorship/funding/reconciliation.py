"""Reconciliation: after the meeting, an award's actual costs are spent from the money
committed to it and the rest is released (the rulebook is in `ledger`)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from sponsorship.core import money
from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError
from sponsorship.core.transaction import retried, unit_of_work
from sponsorship.extensions import db
from sponsorship.funding.ledger import commit_money, lock_award, locked_allocations, settle_row
from sponsorship.models import (
    Allocation,
    AllocationStatus,
    Award,
    AwardStatus,
    CostStage,
    Payment,
    PaymentStatus,
    User,
)
from sponsorship.models.base import Money, StrEnum, utcnow

ZERO = money.ZERO

#: Whatever names an allocation row for `split_spend` (its id, its position).
K = TypeVar("K", bound=Hashable)

#: Award statuses whose actual costs can be reconciled (after the meeting, or a
#: cancellation after tickets were bought).
RECONCILABLE = frozenset({AwardStatus.ATTENDED, AwardStatus.NO_SHOW, AwardStatus.CANCELLED})


class Overspend(StrEnum):
    """What to do when an award's actual costs exceed the money committed to it."""

    #: Commit the difference from the funds (all or nothing), then spend everything.
    ALLOCATE = "allocate"
    #: Spend what was committed; the difference is paid outside the fund, and the
    #: audit event records how much.
    ABSORB = "absorb"


@dataclass(frozen=True)
class Reconciliation:
    award_id: int
    actual: Decimal
    spent: Decimal
    released: Decimal
    #: Committed for the overspend (ALLOCATE) or paid outside the fund (ABSORB).
    overspend: Decimal
    decision: Overspend | None


def check_reconcilable(award: Award) -> None:
    if award.status not in RECONCILABLE:
        raise DomainError(
            str(_l("Only an award that was attended, missed or cancelled is reconciled."))
        )
    if award.reconciled_at is not None:
        raise DomainError(str(_l("This award is already reconciled.")))


def require_decision(excess: Decimal) -> None:
    """Refuse: costs above the committed money need ALLOCATE or ABSORB."""
    raise DomainError(
        str(
            _l(
                "The actual costs exceed the committed money by %(amount)s: commit"
                " the difference from the funds, or record it as paid outside"
                " the fund.",
                amount=money.display(excess),
            )
        )
    )


def _cover_overspend(
    award: Award, excess: Decimal, overspend: Overspend | None, actor: User | None, on: date
) -> list[Allocation]:
    """The allocations committed for actual costs above the committed money (ALLOCATE),
    none when they are paid outside the fund (ABSORB); without a decision, refuse."""
    if overspend is None:
        require_decision(excess)
    if overspend != Overspend.ALLOCATE:
        return []
    # This locks more contributions after the award's own, out of the global order:
    # should PostgreSQL see a deadlock with a concurrent allocation it aborts one of
    # them, which `unit_of_work` reports as ConcurrentChange.
    return commit_money(award, excess, actor, on, reason="overspend")


def split_spend(
    allocations: Iterable[tuple[K, Decimal]], actual: Decimal
) -> tuple[dict[K, Decimal], dict[K, Decimal]]:
    """How reconciliation spends an award's money, over plain (row, amount) pairs: the
    actual costs are spent from the committed rows in their order, each row spending
    what is left of them up to its amount, and the unspent part of each row is released.
    Costs above the rows' total are not spent (an overspend is covered first).

    Returns (spent per row, released per row), each holding only non-zero amounts.
    """
    spent: dict[K, Decimal] = {}
    released: dict[K, Decimal] = {}
    left = actual
    for key, amount in allocations:
        used = min(amount, left)
        left -= used
        if used:
            spent[key] = used
        if amount - used:
            released[key] = amount - used
    return spent, released


def _spend_row(
    a: Allocation, used: Decimal, rest: Decimal, actor: User | None, at: datetime
) -> None:
    """Spend `used` of the committed row `a`, its unspent `rest` released."""
    if rest:
        # The unspent part goes back to the fund as its own released row, so the
        # rows of each status keep summing to the contribution's balances.
        rest_row = Allocation(
            contribution=a.contribution,
            award_id=a.award_id,
            amount=rest,
            status=AllocationStatus.COMMITTED,
            created_by_id=a.created_by_id,
        )
        db.session.add(rest_row)
        a.amount = used
        settle_row(rest_row, AllocationStatus.RELEASED, actor, at, reason="unspent")
    settle_row(a, AllocationStatus.SPENT, actor, at)


def _spend(
    allocations: Sequence[Allocation], actual: Decimal, actor: User | None, at: datetime
) -> tuple[Decimal, Decimal]:
    """Spend the actual costs from the allocations by `split_spend`; returns
    (spent, released)."""
    spent, released = split_spend(((n, a.amount) for n, a in enumerate(allocations)), actual)
    for n, a in enumerate(allocations):
        if n in spent:
            _spend_row(a, spent[n], released.get(n, ZERO), actor, at)
        else:
            settle_row(a, AllocationStatus.RELEASED, actor, at, reason="unspent")
    return sum(spent.values(), ZERO), sum(released.values(), ZERO)


def paid_by_payments(award_id: int) -> Decimal:
    """The actual costs already settled in the ledger by approved payments (spent when
    each was approved, or paid outside the fund): reconciliation leaves them alone."""
    total = db.session.scalar(
        select(sa.type_coerce(func.sum(Payment.base_amount), Money())).where(
            Payment.award_id == award_id, Payment.status == PaymentStatus.APPROVED
        )
    )
    return total if total is not None else ZERO


def _spend_part(a: Allocation, used: Decimal, actor: User | None, at: datetime, **why) -> None:
    """Spend `used` of the committed row `a`; the rest stays committed, as its own row,
    so the rows of each status keep summing to the contribution's balances."""
    rest = a.amount - used
    if rest:
        db.session.add(
            Allocation(
                contribution=a.contribution,
                award_id=a.award_id,
                amount=rest,
                status=AllocationStatus.COMMITTED,
                created_by_id=a.created_by_id,
            )
        )
        a.amount = used
    settle_row(a, AllocationStatus.SPENT, actor, at, **why)


def spend_payment(
    award: Award,
    amount: Decimal,
    actor: User | None,
    *,
    overspend: Overspend | None,
    on: date,
    at: datetime,
    reference: str,
) -> Decimal:
    """Spend an approved payment of `amount` from the money committed to the locked
    `award`, inside the caller's unit of work; what was committed beyond it stays
    committed until reconciliation. A payment above the committed money needs the same
    decision as a reconciliation. Returns the part paid outside the fund."""
    allocations = locked_allocations(award.id)
    excess = amount - money.total(allocations)
    outside = ZERO
    if excess > 0:
        allocations += _cover_overspend(award, excess, overspend, actor, on)
        if overspend == Overspend.ABSORB:
            outside = excess
    spent, _released = split_spend(
        ((n, a.amount) for n, a in enumerate(allocations)), amount - outside
    )
    for n, a in enumerate(allocations):
        if n in spent:
            _spend_part(a, spent[n], actor, at, payment=reference)
    return outside


@retried
def reconcile(
    award: Award | int,
    actor: User | None,
    *,
    overspend: Overspend | None = None,
    on: date | None = None,
    at: datetime | None = None,
) -> Reconciliation:
    """Spend the award's actual costs from its allocations and release the rest.

    Actual costs above the committed money need a decision: `Overspend.ALLOCATE` commits
    the difference from the funds first (or fails, changing nothing), `Overspend.ABSORB`
    records that the difference was paid outside the fund.
    """
    on, at = on or date.today(), at or utcnow()
    with unit_of_work():
        award = lock_award(award)
        check_reconcilable(award)
        actual = award.total(CostStage.ACTUAL)
        # Approved payments spent their money when approved: only the rest (typed or
        # imported actual costs) is spent here.
        paid = paid_by_payments(award.id)
        to_spend = actual - paid
        allocations = locked_allocations(award.id)
        committed = money.total(allocations)
        excess = to_spend - committed
        if excess > 0:
            allocations += _cover_overspend(award, excess, overspend, actor, on)
        spent, released = _spend(allocations, to_spend, actor, at)
        award.reconciled_at = at
        result = Reconciliation(
            award.id,
            actual,
            spent,
            released,
            max(excess, ZERO),
            overspend if excess > 0 else None,
        )
        record(
            actor,
            "award.reconcile",
            award,
            before={"committed": committed},
            after={
                "actual": actual,
                "paid_by_payments": paid,
                "spent": spent,
                "released": released,
                "overspend": result.overspend,
                "decision": result.decision,
            },
        )
    return result
