"""What a slate is computed from and what it comes to: plain values, no database.

Money is exact (`Decimal`) here; the solver sees floats, and every slate it returns is
checked again with these exact amounts by the ledger's own plan (`fitting`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal(0)


@dataclass(frozen=True)
class Candidate:
    """A priced delegate awaiting a decision (an award, by its id)."""

    key: int
    state: str
    region: str
    cost: Decimal
    #: The application's priority score (the review's weights).
    score: int
    #: Position in the review's rank order, 1 first (delegates of one application follow).
    rank: int
    #: The funds whose earmarks allow this award (`earmarks.Purpose.allows`).
    funds: frozenset[int]
    female: bool = False
    first_time: bool = False
    label: str = ""


@dataclass(frozen=True)
class Fund:
    """A contribution's money usable now, with the ledger's priority key."""

    key: int
    balance: Decimal
    #: `earmarks.priority_key`: the order the ledger takes money in.
    order: tuple
    label: str = ""
    #: How many earmarks restrict it (0: flexible money).
    restrictions: int = 0


@dataclass(frozen=True)
class Targets:
    """The administrator's what-if: balance targets, reserve, pins."""

    #: At least this share of the slate's delegates are women (0..1), or None.
    min_women_share: Decimal | None = None
    #: Regional group -> at least this many delegates in the slate.
    min_per_region: Mapping[str, int] = field(default_factory=dict)
    #: Money kept back for late applications, out of the total usable.
    reserve: Decimal = ZERO
    pinned_in: frozenset[int] = frozenset()
    pinned_out: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Problem:
    candidates: tuple[Candidate, ...]
    funds: tuple[Fund, ...]
    #: The meeting's cap of sponsored delegates per State.
    cap_per_state: int
    #: Delegates of each State already offered or sponsored: they count towards the cap,
    #: and their State is represented whatever the slate.
    taken: Mapping[str, int] = field(default_factory=dict)
    targets: Targets = field(default_factory=Targets)

    @property
    def usable(self) -> Decimal:
        return sum((f.balance for f in self.funds), ZERO)


class Method(StrEnum):
    OPTIMAL = "optimal"
    #: The time limit stopped the solver with a feasible slate; the gap says how far.
    TIME_LIMIT = "time_limit"
    #: The solver failed: the rank-order result stands in, and the page says so.
    FALLBACK = "fallback"
    INFEASIBLE = "infeasible"
    RANK_ORDER = "rank_order"


@dataclass(frozen=True)
class Figures:
    states: int
    delegates: int
    money: Decimal
    women: int
    first_time: int
    score: int


@dataclass(frozen=True)
class Outcome:
    method: Method
    #: Chosen candidate keys, in the order they would be offered.
    chosen: tuple[int, ...]
    #: Candidate key -> [(fund key, amount)], as the ledger would take it.
    takes: Mapping[int, tuple[tuple[int, Decimal], ...]]
    figures: Figures
    solve_ms: float = 0.0
    #: Relative MIP gap when the solver stopped (0 when proven optimal), else None.
    gap: float | None = None
    #: Why the solver was not used or the targets cannot be met (already translated).
    message: str = ""
    #: Chosen keys the ledger's order of money could not cover in the offer order.
    unfunded: tuple[int, ...] = ()
