"""The fund ledger: money from contributions committed to, spent on and released from awards.

Rules, in one place:

* **Which money may pay for an award.** Only *received* contributions, not past their
  spend-by date on the day of the commitment, whose every earmark holds for the award:
  its meeting, the meeting's kind and year (the year the meeting starts), the regional
  group of the delegate's State, and a theme. An award's themes are those of the
  sessions its application serves, plus *universalization* when the State is not (or no
  longer) a State Party: that is what donors' universalization money is for.
* **Which money first.** The most restricted (most earmarks set) first, then the soonest
  spend-by date (none last), then the oldest receipt, then the oldest record. Flexible
  money stays free for the delegates only it can pay for. The cost is split across as
  many contributions as needed; it is committed whole or not at all.
* **Whose share.** The fund commits the award's estimate less the share declared as
  paid by the State or another body (`Award.fund_share`); an award an administrator
  pinned to a contribution takes from that one alone, which must still allow it.
* **Rounding.** Awards are priced in the base currency and committed exactly as priced
  (amounts are stored to 10**-4, exactly, on every backend); splitting, releasing and
  spending only add and subtract, so they never round. The one rounding in the books is
  the conversion of a received contribution: ``base = amount x rate``, rounded half to
  even (banker's rounding) to the base currency's minor unit (the centime for CHF), by
  `sponsorship.core.money`. The amount, the rate and its date and the base amount are
  all stored, and history is never recomputed.
* **Never over-committed.** Every write runs in a `unit_of_work` (`core.transaction`).
  On SQLite it begins with ``BEGIN IMMEDIATE``, so ledger transactions run one at a
  time from their first read. On PostgreSQL the award row and the contribution rows
  are locked with ``SELECT ... FOR UPDATE`` (always in the order above, so two
  allocations cannot deadlock) and balances move by ``SET committed = committed + x``
  rather than by writing a value read earlier. The CHECK ``committed + spent <=
  base_amount`` on the table is the last line: if it ever fires, the transaction is
  rolled back and the user asked to try again (`ConcurrentChange`).
* **Audited.** Each allocation row committed, released or spent writes an audit event in
  the same transaction, and so does each reconciliation.

Each public function is one transaction. To combine ledger steps with other changes in
one transaction (an offer that commits money and moves the award to *offered*), run them
inside ``with unit_of_work():``; the functions then join it instead of committing.

This module commits and releases money and holds the locks; the same rules continue in
`balances` (reading), `reconciliation` (spending after the meeting), `waiting_list` (what
the money left could pay for) and `books` (checking the balances against the rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from sponsorship.core import money
from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError
from sponsorship.core.transaction import retried, unit_of_work
from sponsorship.extensions import db
from sponsorship.funding.balances import award_committed
from sponsorship.funding.earmarks import AVAILABLE, PRIORITY, Purpose, award_purpose, choose
from sponsorship.models import (
    Allocation,
    AllocationStatus,
    Award,
    AwardStatus,
    Contribution,
    CostStage,
    User,
)
from sponsorship.models.base import utcnow

ZERO = money.ZERO

#: Award statuses for which money may be committed (an offer, or a re-priced one).
FUNDABLE = frozenset(
    {AwardStatus.PENDING, AwardStatus.WAITLISTED, AwardStatus.OFFERED, AwardStatus.ACCEPTED}
)
#: Contributions looked at (and locked) first when committing; each further batch is
#: four times the last.
FIRST_BATCH = 8


class InsufficientFunds(DomainError):
    """No combination of allowed money covers the cost; nothing was committed."""

    def __init__(self, message: str, shortfall: Decimal) -> None:
        super().__init__(message)
        self.shortfall = shortfall


# --- Locks and moves (inside a unit of work, no commit) ------------------------------


def locked(stmt: sa.Select) -> sa.Select:
    """Lock the selected rows (PostgreSQL) and refresh them from the database.

    On SQLite FOR UPDATE compiles to nothing; the IMMEDIATE transaction is the lock.
    """
    return stmt.with_for_update().execution_options(populate_existing=True)


def lock_award(award: Award | int) -> Award:
    """The award, locked and read fresh: first thing in every ledger transaction."""
    if not isinstance(award, int) and award.id is None:
        db.session.flush()  # an award created in this same transaction
    award_id = award if isinstance(award, int) else award.id
    found = db.session.scalar(locked(select(Award).where(Award.id == award_id)))
    if found is None:
        raise DomainError(str(_l("No such award.")))
    return found


def move(c: Contribution, *, committed: Decimal = ZERO, spent: Decimal = ZERO) -> None:
    """Move a contribution's balances by increments computed in SQL, never by writing
    back a value read earlier: a lost update is impossible even if a lock were missed,
    and the CHECK sees the true sum."""
    db.session.execute(
        sa.update(Contribution)
        .where(Contribution.id == c.id)
        .values(committed=Contribution.committed + committed, spent=Contribution.spent + spent)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(c, ["committed", "spent"])


def locked_allocations(award_id: int) -> list[Allocation]:
    """The award's committed allocations, their contributions locked in PRIORITY order."""
    committed = select(Allocation.contribution_id).where(
        Allocation.award_id == award_id, Allocation.status == AllocationStatus.COMMITTED
    )
    contributions = db.session.scalars(
        locked(select(Contribution).where(Contribution.id.in_(committed)).order_by(*PRIORITY))
    ).all()
    order = {c.id: n for n, c in enumerate(contributions)}
    allocations = db.session.scalars(
        select(Allocation)
        .where(Allocation.award_id == award_id, Allocation.status == AllocationStatus.COMMITTED)
        .execution_options(populate_existing=True)
    ).all()
    return sorted(allocations, key=lambda a: (order[a.contribution_id], a.id))


# --- Committing ----------------------------------------------------------------------


def _choose(
    purpose: Purpose, amount: Decimal, on: date
) -> tuple[list[tuple[Contribution, Decimal]], Decimal]:
    """The allowed money to take for `amount`, in priority order, locked; and what is
    still missing (zero when it is covered).

    A batch at a time: find the next candidates without locks (a top-N sort; FOR UPDATE
    over the sort would make PostgreSQL sort every row whole), then lock just those, in
    the same order, and read their balances fresh. The usual award is covered by the
    first batch, so only a few rows are ever locked.
    """
    remaining = amount
    chosen: list[tuple[Contribution, Decimal]] = []
    seen: list[int] = []
    batch = FIRST_BATCH
    while remaining > 0:
        stmt = select(Contribution.id).where(*purpose.clauses(on), AVAILABLE > 0)
        if seen:
            stmt = stmt.where(Contribution.id.not_in(seen))
        ids = db.session.scalars(stmt.order_by(*PRIORITY).limit(batch)).all()
        if not ids:
            break
        seen += ids
        rows = db.session.scalars(
            locked(
                select(Contribution)
                .where(Contribution.id.in_(ids), *purpose.clauses(on), AVAILABLE > 0)
                .order_by(*PRIORITY)
            )
        ).all()
        takes, remaining = choose(purpose, remaining, on, rows)
        chosen += takes
        if remaining > 0 and batch == FIRST_BATCH and len(ids) == batch:
            # Before walking (and locking) the rest, ask whether it could be enough: a
            # refusal then costs one sum, not a lock on every allowed contribution.
            rest = db.session.scalar(
                select(func.sum(AVAILABLE)).where(
                    *purpose.clauses(on), AVAILABLE > 0, Contribution.id.not_in(seen)
                )
            )
            if (rest or ZERO) < remaining:
                return chosen, remaining - (rest or ZERO)
        batch *= 4
    return chosen, remaining


def _commit_row(
    award: Award, c: Contribution, take: Decimal, actor: User | None, reason: str
) -> Allocation:
    before = c.committed
    move(c, committed=take)
    allocation = Allocation(
        contribution=c,
        award_id=award.id,
        amount=take,
        status=AllocationStatus.COMMITTED,
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(allocation)
    record(
        actor,
        "ledger.commit",
        allocation,
        after={
            "award": award.reference,
            "contribution": c.reference,
            "amount": take,
            "contribution_committed": before + take,
            "reason": reason,
        },
    )
    return allocation


def _pinned(award: Award, amount: Decimal, on: date) -> tuple[list, Decimal]:
    """The pinned contribution, locked, for the whole `amount`: when its earmarks no
    longer allow the award (or its spend-by passed), it offers nothing, and what it
    cannot cover is the shortfall. Never other money: the administrator chose this one."""
    purpose = award_purpose(award.id)
    c = db.session.scalar(
        locked(
            select(Contribution).where(
                Contribution.id == award.pinned_contribution_id, *purpose.clauses(on)
            )
        )
    )
    if c is None:
        raise DomainError(
            str(
                _l(
                    "The contribution this award is pinned to no longer allows it: pin"
                    " another or remove the pin; nothing was committed."
                )
            )
        )
    take = min(max(c.available, ZERO), amount)
    return ([(c, take)] if take > 0 else []), amount - take


def commit_money(
    award: Award, amount: Decimal, actor: User | None, on: date, reason: str
) -> list[Allocation]:
    """Commit `amount` to the locked `award` from the allowed money (the pinned
    contribution alone, when an administrator pinned one), all or nothing (inside a
    unit of work, no commit)."""
    if award.pinned_contribution_id is not None:
        chosen, shortfall = _pinned(award, amount, on)
    else:
        chosen, shortfall = _choose(award_purpose(award.id), amount, on)
    if shortfall > 0:
        raise insufficient(shortfall)
    return [_commit_row(award, c, take, actor, reason) for c, take in chosen]


def insufficient(shortfall: Decimal) -> InsufficientFunds:
    """The refusal when the allowed money falls short by `shortfall`."""
    return InsufficientFunds(
        str(
            _l(
                "The money whose earmarks allow this award falls short by %(amount)s;"
                " nothing was committed.",
                amount=money.display(shortfall),
            )
        ),
        shortfall,
    )


@dataclass(frozen=True)
class Funding:
    award_id: int
    #: Newly committed by this call.
    amount: Decimal
    allocations: tuple[Allocation, ...]


@retried
def allocate(award: Award | int, actor: User | None, *, on: date | None = None) -> Funding:
    """Commit what the award's estimate still needs (all of it, usually), or raise."""
    on = on or date.today()
    with unit_of_work():
        award = lock_award(award)
        shortfall = still_needed(award, award_committed(award.id))
        allocations = commit_money(award, shortfall, actor, on, reason="allocate")
    return Funding(award.id, shortfall, tuple(allocations))


def still_needed(award, committed: Decimal) -> Decimal:
    """What the award (anything shaped like one) needs committed beyond `committed`,
    or refuse: the checks of `allocate`, shared with the history import's plan."""
    if award.status not in FUNDABLE or award.reconciled_at is not None:
        raise DomainError(str(_l("Money cannot be committed to this award in its status.")))
    if award.total(CostStage.ESTIMATE) <= 0:
        raise DomainError(str(_l("Price the award before committing money to it.")))
    # The fund commits its part only: a share declared as paid by the State or
    # another body (review.cofunding) is never the fund's money.
    shortfall = award.fund_share() - committed
    if shortfall <= 0:
        raise DomainError(str(_l("This award is already fully funded.")))
    return shortfall


# --- Settling: releasing, spending --------------------------------------------------

_SETTLED = {AllocationStatus.RELEASED: "ledger.release", AllocationStatus.SPENT: "ledger.spend"}


def settle_row(
    a: Allocation, status: AllocationStatus, actor: User | None, at: datetime, **why
) -> Decimal:
    """Settle a committed row whole: its money goes back to the fund (RELEASED) or is
    spent (SPENT). Audited; returns its amount (no commit)."""
    spent = a.amount if status == AllocationStatus.SPENT else ZERO
    move(a.contribution, committed=-a.amount, spent=spent)
    a.status = status
    a.settled_at = at
    record(
        actor,
        _SETTLED[status],
        a,
        before={"status": AllocationStatus.COMMITTED},
        after={"status": status, "amount": a.amount, **why},
    )
    return a.amount


@retried
def release(
    award: Award | int,
    actor: User | None,
    *,
    reason: str | None = None,
    at: datetime | None = None,
) -> Decimal:
    """Give back everything committed to the award (declined, expired, cancelled).

    Spent money stays spent. Returns the amount released (zero if nothing was committed).
    """
    at = at or utcnow()
    total = ZERO
    with unit_of_work():
        award = lock_award(award)
        for a in locked_allocations(award.id):
            total += settle_row(a, AllocationStatus.RELEASED, actor, at, reason=reason)
    return total
