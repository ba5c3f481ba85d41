"""The ledger's own rules, run in memory over a `Problem`: which money each award would
take (`earmarks.plan`, in the ledger's priority order, only from funds whose earmarks
allow it), what rank order comes to today, and the order a slate is offered in.

Nothing here decides what money may pay for what: `Candidate.funds` comes from
`earmarks.Purpose.allows`, `Fund.order` from `earmarks.priority_key`, and the takes from
`earmarks.plan`, the function the waiting list and the scale generator use.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from decimal import Decimal

from sponsorship.funding.earmarks import plan
from sponsorship.slate.problem import ZERO, Candidate, Figures, Fund, Method, Outcome, Problem


class Books:
    """Balances as offers would leave them, and the reserve that must stay untouched."""

    def __init__(self, funds: Iterable[Fund], reserve: Decimal = ZERO) -> None:
        self.funds = sorted(funds, key=lambda f: f.order)
        self.balance = {f.key: f.balance for f in self.funds}
        self.room = sum(self.balance.values(), ZERO) - max(reserve, ZERO)

    def plan(self, candidate: Candidate) -> list[tuple[int, Decimal]]:
        """The ledger's takes for `candidate` now, or [] if it does not fit."""
        if candidate.cost <= 0 or candidate.cost > self.room:
            return []
        allowed = ((f.key, self.balance[f.key]) for f in self.funds if f.key in candidate.funds)
        return plan(candidate.cost, allowed)

    def take(self, candidate: Candidate, takes: Sequence[tuple[int, Decimal]]) -> None:
        for key, amount in takes:
            self.balance[key] -= amount
        self.room -= candidate.cost


def figures(problem: Problem, chosen: Iterable[int]) -> Figures:
    by_key = {c.key: c for c in problem.candidates}
    picked = [by_key[k] for k in chosen]
    states = {c.state for c in picked} | {s for s, n in problem.taken.items() if n > 0}
    return Figures(
        states=len(states),
        delegates=len(picked),
        money=sum((c.cost for c in picked), ZERO),
        women=sum(c.female for c in picked),
        first_time=sum(c.first_time for c in picked),
        score=sum(c.score for c in picked),
    )


def rank_order(problem: Problem) -> Outcome:
    """What offering in rank order gives today: each delegate in turn if the meeting's
    cap allows and the money its earmarks allow (less the reserve) still covers it;
    those that do not fit are passed over, as the waiting list does."""
    books = Books(problem.funds, problem.targets.reserve)
    per_state = Counter(problem.taken)
    chosen, takes = [], {}
    for c in sorted(problem.candidates, key=lambda c: (c.rank, c.key)):
        if per_state[c.state] >= problem.cap_per_state:
            continue
        planned = books.plan(c)
        if not planned:
            continue
        books.take(c, planned)
        per_state[c.state] += 1
        chosen.append(c.key)
        takes[c.key] = tuple(planned)
    return Outcome(Method.RANK_ORDER, tuple(chosen), takes, figures(problem, chosen))


def offer_order(problem: Problem, chosen: Iterable[int]) -> list[int]:
    """Most constrained first: the award fewest funds can pay is offered before those
    with a wider choice, so the ledger's order of money (most restricted first) does not
    hand the narrow award's money to a broad one."""
    by_key = {c.key: c for c in problem.candidates}
    funded = {f.key for f in problem.funds if f.balance > 0}
    return sorted(chosen, key=lambda k: (len(by_key[k].funds & funded), by_key[k].rank, k))


def ledger_plan(
    problem: Problem, order: Sequence[int]
) -> tuple[dict[int, tuple[tuple[int, Decimal], ...]], list[int]]:
    """The ledger's takes for each key offered in `order`, and the keys it would refuse."""
    by_key = {c.key: c for c in problem.candidates}
    books = Books(problem.funds, problem.targets.reserve)
    takes, refused = {}, []
    for key in order:
        planned = books.plan(by_key[key])
        if planned:
            books.take(by_key[key], planned)
            takes[key] = tuple(planned)
        else:
            refused.append(key)
    return takes, refused


def leftover(problem: Problem, outcome: Outcome) -> dict[int, tuple[Decimal, Decimal]]:
    """Fund key -> (used by the outcome, left)."""
    used: Counter = Counter({f.key: ZERO for f in problem.funds})
    for takes in outcome.takes.values():
        for key, amount in takes:
            used[key] += amount
    return {f.key: (used[f.key], f.balance - used[f.key]) for f in problem.funds}
