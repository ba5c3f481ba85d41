"""The history import's ledger: the live ledger's rules run over balances held in memory.

Twenty years of history are tens of thousands of offers, answers and reconciliations.
Through the live ledger each is its own round of locks, reads, flushes and balance
updates (about 30 ms each), far too slow; here the same steps run in memory, on the
import's one transaction, and `history.bulk_write` writes the outcome in a few batched
statements at the end. The rules are not copied but called: which money pays
(`earmarks.choose`, over the contributions in `priority_key` order), the checks before
committing (`ledger.still_needed`) and reconciling (`reconciliation.check_reconcilable`,
`require_decision`), how actual costs are spent (`reconciliation.split_spend`) and the
allowed status moves (`workflow.check_move`). Every change still makes its audit event,
with the same action and values as the live path writes, marked with the workbook's
sha256 (`audit.event_values`).

Never over-committed: a take is never more than the contribution's available balance
held here, the balances were read under lock (PostgreSQL) or the import's IMMEDIATE
transaction (SQLite), and the table's CHECK still sees the final sums.
"""

from __future__ import annotations

from bisect import insort
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import count
from typing import Any

from sqlalchemy import select

from sponsorship.core import money
from sponsorship.core.workflow import check_move
from sponsorship.extensions import db
from sponsorship.funding import ledger, reconciliation
from sponsorship.funding.earmarks import PRIORITY, Purpose, choose, priority_key
from sponsorship.models import (
    AllocationStatus,
    Award,
    AwardStatus,
    Contribution,
    ContributionStatus,
    CostStage,
    Delegate,
    User,
)

ZERO = money.ZERO


class Held:
    """A contribution's balances as the plan moves them, shaped like a Contribution for
    the earmark rules (`Purpose.allows`, `priority_key`, `usable`)."""

    COPIED = (
        "id", "reference", "status", "base_amount", "committed", "spent", "spend_by",
        "received_on", "earmark_meeting_id", "earmark_meeting_kind", "earmark_year",
        "earmark_region", "earmark_theme", "restriction_count",
    )  # fmt: skip
    __slots__ = (*COPIED, "start_committed", "start_spent", "moved", "key")

    def __init__(self, c: Contribution) -> None:
        for name in self.COPIED:
            setattr(self, name, getattr(c, name))
        #: The balances as read: what the plan moved is the difference.
        self.start_committed, self.start_spent = self.committed, self.spent
        self.moved = False
        self.key = priority_key(self)

    @property
    def available(self) -> Decimal:
        if self.status != ContributionStatus.RECEIVED or self.base_amount is None:
            return ZERO
        return self.base_amount - self.committed - self.spent


def _key(held: Held) -> tuple:
    return held.key


@dataclass(eq=False)
class PlannedAward:
    """An award the import makes: its columns, cost lines and committed rows."""

    audit_type = "Award"

    delegate: Delegate
    purpose: Purpose
    reference: str
    created_at: datetime
    status: AwardStatus = AwardStatus.PENDING
    cofunded_amount: Decimal = ZERO
    offered_at: datetime | None = None
    responded_at: datetime | None = None
    decision_reason: str | None = None
    report_received_at: datetime | None = None
    reconciled_at: datetime | None = None
    lines: list[dict] = field(default_factory=list)
    committed: list[PlannedAllocation] = field(default_factory=list)
    id: int | None = None

    def total(self, stage: CostStage = CostStage.ESTIMATE) -> Decimal:
        return sum((line["amount"] for line in self.lines if line["stage"] == stage), ZERO)

    def fund_share(self) -> Decimal:
        return self.total(CostStage.ESTIMATE) - self.cofunded_amount


@dataclass(eq=False)
class PlannedAllocation:
    audit_type = "Allocation"

    held: Held
    award: PlannedAward
    amount: Decimal
    #: The order rows are made in, which is the order of their ids once written.
    seq: int
    created_at: datetime | None = None
    status: AllocationStatus = AllocationStatus.COMMITTED
    settled_at: datetime | None = None
    id: int | None = None


@dataclass
class PlannedEvent:
    action: str
    #: A planned award or allocation, or a new application (`history.records`).
    obj: Any
    before: dict | None
    after: dict | None


class LedgerPlan:
    """The contributions' balances and the import's awards, rows and events, in memory."""

    def __init__(self, actor: User | None) -> None:
        self.actor = actor
        self.held: dict[int, Held] = {}
        self.ordered: list[Held] = []
        self.awards: dict[int, PlannedAward] = {}
        self.allocations: list[PlannedAllocation] = []
        self.events: list[PlannedEvent] = []
        self._seq = count()
        self._candidates: dict[Purpose, tuple[list[Held], date | None]] = {}

    def load(self) -> None:
        """Every received contribution's balances, locked in PRIORITY order (on
        PostgreSQL; SQLite's IMMEDIATE transaction already holds the database)."""
        self.held.clear()
        self._candidates.clear()
        rows = db.session.scalars(
            ledger.locked(
                select(Contribution)
                .where(Contribution.status == ContributionStatus.RECEIVED)
                .order_by(*PRIORITY)
            )
        ).all()
        for c in rows:
            self.held[c.id] = Held(c)
        self.ordered = sorted(self.held.values(), key=_key)

    def add(self, c: Contribution) -> None:
        """A contribution the timeline just recorded: its money is there from now on."""
        if c.status != ContributionStatus.RECEIVED:
            return
        held = self.held[c.id] = Held(c)
        insort(self.ordered, held, key=_key)
        for purpose, (candidates, _pruned_on) in self._candidates.items():
            if purpose.allows(held, date.min):
                insort(candidates, held, key=_key)

    def _ordered_for(self, purpose: Purpose, on: date) -> list[Held]:
        """The contributions whose earmarks allow `purpose` (whatever the day), in
        priority order. Once a day, those past their spend-by and those spent whole are
        dropped for good (the timeline only moves forward, and spent money never comes
        back), so twenty years of used-up money are not walked for every offer."""
        candidates, pruned_on = self._candidates.get(purpose, (None, None))
        if candidates is None:
            candidates = [h for h in self.ordered if purpose.allows(h, date.min)]
        if pruned_on != on:
            candidates = [
                h
                for h in candidates
                if (h.spend_by is None or h.spend_by >= on) and h.base_amount > h.spent
            ]
            self._candidates[purpose] = (candidates, on)
        return candidates

    def audit(self, action: str, obj, before: dict | None = None, after: dict | None = None):
        self.events.append(PlannedEvent(action, obj, before, after))

    def transition(self, award: PlannedAward, target: AwardStatus, reason: str | None = None):
        """`workflow.transition` for a planned award: the same table, the same event
        (no signal: the import sends no mail)."""
        current = award.status
        check_move(Award, current, target)
        award.status = target
        after: dict = {"status": target}
        if reason:
            after["reason"] = reason
        self.audit("status", award, before={"status": current}, after=after)

    def commit(
        self, award: PlannedAward, amount: Decimal, on: date, reason: str, at: datetime | None
    ) -> list[PlannedAllocation]:
        """`ledger.commit_money`: all of `amount` from the allowed money, or raise."""
        takes, shortfall = choose(award.purpose, amount, on, self._ordered_for(award.purpose, on))
        if shortfall > 0:
            raise ledger.insufficient(shortfall)
        made = []
        for held, take in takes:
            held.committed += take
            held.moved = True
            row = self._row(held, award, take, at)
            award.committed.append(row)
            made.append(row)
            self.audit(
                "ledger.commit",
                row,
                after={
                    "award": award.reference,
                    "contribution": held.reference,
                    "amount": take,
                    "contribution_committed": held.committed,
                    "reason": reason,
                },
            )
        return made

    def _row(self, held: Held, award: PlannedAward, amount: Decimal, at) -> PlannedAllocation:
        row = PlannedAllocation(held, award, amount, next(self._seq), created_at=at)
        self.allocations.append(row)
        return row

    def settle(self, row: PlannedAllocation, status: AllocationStatus, at: datetime, **why):
        """`ledger.settle_row`: the committed row released or spent whole."""
        row.held.committed -= row.amount
        if status == AllocationStatus.SPENT:
            row.held.spent += row.amount
        row.status, row.settled_at = status, at
        row.award.committed.remove(row)
        self.audit(
            "ledger.release" if status == AllocationStatus.RELEASED else "ledger.spend",
            row,
            before={"status": AllocationStatus.COMMITTED},
            after={"status": status, "amount": row.amount, **why},
        )
        return row.amount

    def locked_order(self, award: PlannedAward) -> list[PlannedAllocation]:
        """The award's committed rows in `ledger.locked_allocations`' order."""
        return sorted(award.committed, key=lambda a: (a.held.key, a.seq))

    def release(self, award: PlannedAward, at: datetime, reason: str | None) -> Decimal:
        """`ledger.release`: everything committed to the award goes back to the fund."""
        rows = self.locked_order(award)
        return sum(
            (self.settle(a, AllocationStatus.RELEASED, at, reason=reason) for a in rows), ZERO
        )

    def reconcile(self, award: PlannedAward, overspend, on: date, at: datetime) -> None:
        """`reconciliation.reconcile` for an award made by this import (it has no
        payments: the workbook's actual costs are all spent here)."""
        reconciliation.check_reconcilable(award)
        actual = award.total(CostStage.ACTUAL)
        rows = self.locked_order(award)
        committed = money.total(rows)
        excess = actual - committed
        if excess > 0:
            if overspend is None:
                reconciliation.require_decision(excess)
            if overspend == reconciliation.Overspend.ALLOCATE:
                rows += self.commit(award, excess, on, reason="overspend", at=None)
        spent, released = reconciliation.split_spend(
            ((n, a.amount) for n, a in enumerate(rows)), actual
        )
        for n, a in enumerate(rows):
            if n in spent:
                if released.get(n):
                    # The unspent part goes back as its own released row, as live.
                    rest = self._row(a.held, award, released[n], None)
                    award.committed.append(rest)
                    a.amount = spent[n]
                    self.settle(rest, AllocationStatus.RELEASED, at, reason="unspent")
                self.settle(a, AllocationStatus.SPENT, at)
            else:
                self.settle(a, AllocationStatus.RELEASED, at, reason="unspent")
        award.reconciled_at = at
        self.audit(
            "award.reconcile",
            award,
            before={"committed": committed},
            after={
                "actual": actual,
                "paid_by_payments": ZERO,
                "spent": sum(spent.values(), ZERO),
                "released": sum(released.values(), ZERO),
                "overspend": max(excess, ZERO),
                "decision": overspend if excess > 0 else None,
            },
        )
