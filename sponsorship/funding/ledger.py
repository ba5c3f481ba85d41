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
* **Rounding.** Awards are priced in the base currency and committed exactly as priced
  (amounts are stored to 10**-4, exactly, on every backend); splitting, releasing and
  spending only add and subtract, so they never round. The one rounding in the books is
  the conversion of a received contribution: ``base = amount x rate``, rounded half to
  even (banker's rounding) to the base currency's minor unit (the centime for CHF). The
  amount, the rate and its date and the base amount are all stored, and history is never
  recomputed.
* **Never over-committed.** Every write runs in :func:`transaction`. On SQLite it begins
  with ``BEGIN IMMEDIATE``, so ledger transactions run one at a time from their first
  read. On PostgreSQL the award row and the contribution rows are locked with ``SELECT
  ... FOR UPDATE`` (always in the order above, so two allocations cannot deadlock) and
  balances move by ``SET committed = committed + x`` rather than by writing a value read
  earlier. The CHECK ``committed + spent <= base_amount`` on the table is the last line:
  if it ever fires, the transaction is rolled back and the user asked to try again.
* **Audited.** Each allocation row committed, released or spent writes an audit event in
  the same transaction, and so does each reconciliation.

Each public function is one transaction. To combine ledger steps with other changes in
one transaction (an offer that commits money and moves the award to *offered*), run them
inside ``with ledger.transaction():``; the functions then join it instead of committing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

import sqlalchemy as sa
from babel.numbers import get_currency_precision
from flask import current_app
from flask_babel import format_currency
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import contains_eager, selectinload

from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError
from sponsorship.extensions import db
from sponsorship.funding.earmarks import (
    AVAILABLE,
    PRIORITY,
    award_purpose,
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
    ContributionStatus,
    CostStage,
    Delegate,
    Donor,
    Meeting,
    User,
)
from sponsorship.models.base import Money, StrEnum, utcnow

log = logging.getLogger(__name__)

ZERO = Decimal(0)

#: Award statuses for which money may be committed (an offer, or a re-priced one).
FUNDABLE = frozenset(
    {AwardStatus.PENDING, AwardStatus.WAITLISTED, AwardStatus.OFFERED, AwardStatus.ACCEPTED}
)
#: Award statuses whose actual costs can be reconciled (after the meeting, or a
#: cancellation after tickets were bought).
RECONCILABLE = frozenset({AwardStatus.ATTENDED, AwardStatus.NO_SHOW, AwardStatus.CANCELLED})


class InsufficientFunds(DomainError):
    """No combination of allowed money covers the cost; nothing was committed."""

    def __init__(self, message: str, shortfall: Decimal) -> None:
        super().__init__(message)
        self.shortfall = shortfall


class ConcurrentChange(DomainError):
    """Another transaction changed the same money; nothing was written, try again."""


class Overspend(StrEnum):
    """What to do when an award's actual costs exceed the money committed to it."""

    #: Commit the difference from the funds (all or nothing), then spend everything.
    ALLOCATE = "allocate"
    #: Spend what was committed; the difference is paid outside the fund, and the
    #: audit event records how much.
    ABSORB = "absorb"


# --- Rounding ------------------------------------------------------------------------


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of `currency` that is paid (0.01 for CHF, 1 for JPY)."""
    return Decimal(1).scaleb(-get_currency_precision(currency))


def to_base(amount: Decimal, rate: Decimal, base_currency: str | None = None) -> Decimal:
    """`amount` x `rate` in the base currency, half to even to its minor unit."""
    base_currency = base_currency or current_app.config["BASE_CURRENCY"]
    with localcontext() as ctx:
        ctx.prec = 60  # the product of two stored values is exact before the rounding
        return (amount * rate).quantize(minor_unit(base_currency), rounding=ROUND_HALF_EVEN)


def _money(amount: Decimal) -> str:
    return format_currency(amount, current_app.config["BASE_CURRENCY"])


# --- Transactions --------------------------------------------------------------------

_IN_TRANSACTION = "sponsorship.ledger.transaction"
#: SQLSTATEs of a lock conflict PostgreSQL resolved by aborting us.
_LOCK_CONFLICTS = {"40P01", "40001", "55P03"}


@contextmanager
def transaction() -> Iterator[None]:
    """One ledger transaction, holding the write lock (SQLite) from its first statement.

    Nested uses join the outermost one. The session must not hold unsaved changes when
    it starts: the caller's open read transaction is ended first, so that what the
    ledger reads is read under its lock, not from an older snapshot.
    """
    session = db.session
    if session.info.get(_IN_TRANSACTION):
        yield
        return
    if session.new or session.dirty or session.deleted:
        raise RuntimeError(
            "ledger: the session holds unsaved changes; make them inside "
            "`with ledger.transaction():` or commit them first"
        )
    session.commit()
    session.connection(execution_options={"sqlite_begin": "BEGIN IMMEDIATE"})
    session.info[_IN_TRANSACTION] = True
    try:
        yield
        session.commit()
    except IntegrityError as error:
        session.rollback()
        if "never_overcommitted" in str(error.orig):
            # The CHECK did its job, which means some path skipped the locks: say so.
            log.error("ledger: over-commitment refused by the database CHECK: %s", error.orig)
            raise ConcurrentChange(
                str(_l("The funds changed while this was being saved. Please try again."))
            ) from error
        raise
    except OperationalError as error:
        session.rollback()
        if getattr(error.orig, "sqlstate", None) in _LOCK_CONFLICTS or (
            "database is locked" in str(error.orig)
        ):
            raise ConcurrentChange(
                str(_l("The funds changed while this was being saved. Please try again."))
            ) from error
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(_IN_TRANSACTION, None)


def _locked(stmt: sa.Select) -> sa.Select:
    """Lock the selected rows (PostgreSQL) and refresh them from the database.

    On SQLite FOR UPDATE compiles to nothing; the IMMEDIATE transaction is the lock.
    """
    return stmt.with_for_update().execution_options(populate_existing=True)


# --- Reading balances ----------------------------------------------------------------


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


def available(**narrowing) -> Decimal:
    """Money that can still be committed on `on`, narrowed by every argument given (those
    of `available_total`: meeting, award, donor, contribution, on).

    For a meeting this is money whose earmarks allow at least some of its delegates;
    the same money usually also counts for other meetings.
    """
    total = db.session.scalar(available_total(**narrowing))
    return total if total is not None else ZERO


def award_committed(award_id: int) -> Decimal:
    total = db.session.scalar(
        select(sa.type_coerce(func.sum(Allocation.amount), Money())).where(
            Allocation.award_id == award_id, Allocation.status == AllocationStatus.COMMITTED
        )
    )
    return total if total is not None else ZERO


# --- Moving money --------------------------------------------------------------------


def _move(c: Contribution, *, committed: Decimal = ZERO, spent: Decimal = ZERO) -> None:
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


def _lock_award(award: Award | int) -> Award:
    if not isinstance(award, int) and award.id is None:
        db.session.flush()  # an award created in this same transaction
    award_id = award if isinstance(award, int) else award.id
    found = db.session.scalar(_locked(select(Award).where(Award.id == award_id)))
    if found is None:
        raise DomainError(str(_l("No such award.")))
    return found


def _commit(
    award: Award, amount: Decimal, actor: User | None, on: date, reason: str
) -> list[Allocation]:
    """Commit `amount` to `award` from the allowed money, all or nothing (no commit)."""
    purpose = award_purpose(award.id)
    remaining = amount
    chosen: list[tuple[Contribution, Decimal]] = []
    seen: list[int] = []
    batch = 8
    # A batch at a time, in priority order: find the next candidates without locks (a
    # top-N sort; FOR UPDATE over the sort would make PostgreSQL sort every row whole),
    # then lock just those, in the same order, and read their balances fresh. The usual
    # award is covered by the first batch, so only a few rows are ever locked.
    while remaining > 0:
        stmt = select(Contribution.id).where(*purpose.clauses(on), AVAILABLE > 0)
        if seen:
            stmt = stmt.where(Contribution.id.not_in(seen))
        ids = db.session.scalars(stmt.order_by(*PRIORITY).limit(batch)).all()
        if not ids:
            break
        seen += ids
        rows = db.session.scalars(
            _locked(
                select(Contribution)
                .where(Contribution.id.in_(ids), *purpose.clauses(on), AVAILABLE > 0)
                .order_by(*PRIORITY)
            )
        ).all()
        for c in rows:
            take = min(c.available, remaining)
            chosen.append((c, take))
            remaining -= take
            if remaining == 0:
                break
        if remaining > 0 and batch == 8 and len(ids) == batch:
            # Before walking (and locking) the rest, ask whether it could be enough: a
            # refusal then costs one sum, not a lock on every allowed contribution.
            rest = db.session.scalar(
                select(func.sum(AVAILABLE)).where(
                    *purpose.clauses(on), AVAILABLE > 0, Contribution.id.not_in(seen)
                )
            )
            if (rest or ZERO) < remaining:
                remaining -= rest or ZERO
                break
        batch *= 4
    if remaining > 0:
        raise InsufficientFunds(
            str(
                _l(
                    "The money whose earmarks allow this award falls short by %(amount)s;"
                    " nothing was committed.",
                    amount=_money(remaining),
                )
            ),
            remaining,
        )
    allocations = []
    for c, take in chosen:
        before = c.committed
        _move(c, committed=take)
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
        allocations.append(allocation)
    return allocations


@dataclass(frozen=True)
class Funding:
    award_id: int
    #: Newly committed by this call.
    amount: Decimal
    allocations: tuple[Allocation, ...]


def allocate(award: Award | int, actor: User | None, *, on: date | None = None) -> Funding:
    """Commit what the award's estimate still needs (all of it, usually), or raise."""
    on = on or date.today()
    with transaction():
        award = _lock_award(award)
        if award.status not in FUNDABLE or award.reconciled_at is not None:
            raise DomainError(str(_l("Money cannot be committed to this award in its status.")))
        cost = award.total(CostStage.ESTIMATE)
        if cost <= 0:
            raise DomainError(str(_l("Price the award before committing money to it.")))
        shortfall = cost - award_committed(award.id)
        if shortfall <= 0:
            raise DomainError(str(_l("This award is already fully funded.")))
        allocations = _commit(award, shortfall, actor, on, reason="allocate")
    return Funding(award.id, shortfall, tuple(allocations))


def _locked_allocations(award_id: int) -> list[Allocation]:
    """The award's committed allocations, their contributions locked in PRIORITY order."""
    committed = select(Allocation.contribution_id).where(
        Allocation.award_id == award_id, Allocation.status == AllocationStatus.COMMITTED
    )
    contributions = db.session.scalars(
        _locked(select(Contribution).where(Contribution.id.in_(committed)).order_by(*PRIORITY))
    ).all()
    order = {c.id: n for n, c in enumerate(contributions)}
    allocations = db.session.scalars(
        select(Allocation)
        .where(Allocation.award_id == award_id, Allocation.status == AllocationStatus.COMMITTED)
        .execution_options(populate_existing=True)
    ).all()
    return sorted(allocations, key=lambda a: (order[a.contribution_id], a.id))


def _release_row(a: Allocation, actor: User | None, at: datetime, **why) -> Decimal:
    """Mark a committed row released and give its money back (no commit)."""
    _move(a.contribution, committed=-a.amount)
    a.status = AllocationStatus.RELEASED
    a.settled_at = at
    record(
        actor,
        "ledger.release",
        a,
        before={"status": AllocationStatus.COMMITTED},
        after={"status": AllocationStatus.RELEASED, "amount": a.amount, **why},
    )
    return a.amount


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
    with transaction():
        award = _lock_award(award)
        for a in _locked_allocations(award.id):
            total += _release_row(a, actor, at, reason=reason)
    return total


@dataclass(frozen=True)
class Reconciliation:
    award_id: int
    actual: Decimal
    spent: Decimal
    released: Decimal
    #: Committed for the overspend (ALLOCATE) or paid outside the fund (ABSORB).
    overspend: Decimal
    decision: Overspend | None


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
    with transaction():
        award = _lock_award(award)
        if award.status not in RECONCILABLE:
            raise DomainError(
                str(_l("Only an award that was attended, missed or cancelled is reconciled."))
            )
        if award.reconciled_at is not None:
            raise DomainError(str(_l("This award is already reconciled.")))
        actual = award.total(CostStage.ACTUAL)
        allocations = _locked_allocations(award.id)
        committed = sum((a.amount for a in allocations), ZERO)
        excess = actual - committed
        if excess > 0:
            if overspend is None:
                raise DomainError(
                    str(
                        _l(
                            "The actual costs exceed the committed money by %(amount)s: commit"
                            " the difference from the funds, or record it as paid outside"
                            " the fund.",
                            amount=_money(excess),
                        )
                    )
                )
            if overspend == Overspend.ALLOCATE:
                # This locks more contributions after the award's own, out of the global
                # order: should PostgreSQL see a deadlock with a concurrent allocation it
                # aborts one of them, which `transaction` reports as ConcurrentChange.
                allocations += _commit(award, excess, actor, on, reason="overspend")
        to_spend = min(actual, sum((a.amount for a in allocations), ZERO))
        spent = released = ZERO
        for a in allocations:
            used = min(a.amount, to_spend - spent)
            if used == 0:
                released += _release_row(a, actor, at, reason="unspent")
                continue
            if used < a.amount:
                # The unspent part goes back to the fund as its own released row, so the
                # rows of each status keep summing to the contribution's balances.
                rest = Allocation(
                    contribution=a.contribution,
                    award_id=a.award_id,
                    amount=a.amount - used,
                    status=AllocationStatus.COMMITTED,
                    created_by_id=a.created_by_id,
                )
                db.session.add(rest)
                a.amount = used
                released += _release_row(rest, actor, at, reason="unspent")
            _move(a.contribution, committed=-used, spent=used)
            a.status = AllocationStatus.SPENT
            a.settled_at = at
            record(
                actor,
                "ledger.spend",
                a,
                before={"status": AllocationStatus.COMMITTED},
                after={"status": AllocationStatus.SPENT, "amount": used},
            )
            spent += used
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
                "spent": spent,
                "released": released,
                "overspend": result.overspend,
                "decision": result.decision,
            },
        )
    return result


# --- The waiting list ----------------------------------------------------------------


@dataclass(frozen=True)
class WaitlistCheck:
    award: Award
    #: What the award still needs.
    cost: Decimal
    #: True if the money left allows it, after funding the fitting awards before it.
    fits: bool


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
        select(Award, sa.type_coerce(estimate - committed, Money()))
        .join(Delegate, Award.delegate_id == Delegate.id)
        .join(Application, Delegate.application_id == Application.id)
        .where(Application.meeting_id == meeting.id, Award.status == AwardStatus.WAITLISTED)
        .options(contains_eager(Award.delegate).contains_eager(Delegate.application))
        .order_by(Award.id)
    )


def outstanding(award: Award) -> Decimal:
    """What a loaded award (cost lines and allocations) still needs to be funded."""
    committed = sum(
        (a.amount for a in award.allocations if a.status == AllocationStatus.COMMITTED), ZERO
    )
    return award.total(CostStage.ESTIMATE) - committed


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
    pairs, from `waitlisted_with_needs` or `outstanding`, taken in the order given
    when there is no `order`.
    Reads only; changes nothing.
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
    checks = []
    for award, cost in needs:
        purpose = purposes[award.id]
        takes = (
            plan(cost, ((c.id, balance[c.id]) for c in funds if purpose.allows(c, on)))
            if cost > 0
            else []
        )
        for key, take in takes:
            balance[key] -= take
        checks.append(WaitlistCheck(award, cost, bool(takes)))
    return checks


# --- Checking the books --------------------------------------------------------------


@dataclass(frozen=True)
class BookLine:
    contribution: Contribution
    rows_committed: Decimal
    rows_spent: Decimal
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_books() -> list[BookLine]:
    """Recompute every contribution's balances from the allocation rows and compare."""
    sums: dict[tuple[int, str], Decimal] = {}
    for contribution_id, status, total in db.session.execute(
        select(
            Allocation.contribution_id,
            Allocation.status,
            sa.type_coerce(func.sum(Allocation.amount), Money()),
        ).group_by(Allocation.contribution_id, Allocation.status)
    ):
        sums[contribution_id, AllocationStatus(status).value] = total
    lines = []
    contributions = db.session.scalars(
        select(Contribution).options(selectinload(Contribution.donor)).order_by(Contribution.id)
    ).all()
    for c in contributions:
        committed = sums.get((c.id, AllocationStatus.COMMITTED.value), ZERO)
        spent = sums.get((c.id, AllocationStatus.SPENT.value), ZERO)
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
            expected = to_base(c.amount, c.exchange_rate)
            if c.base_amount != expected:
                problems.append(
                    f"base amount {c.base_amount} but {c.amount} x {c.exchange_rate}"
                    f" rounds to {expected}"
                )
        elif c.committed or c.spent or committed or spent:
            problems.append(f"{c.status.value} money has allocations")
        lines.append(BookLine(c, committed, spent, tuple(problems)))
    return lines
