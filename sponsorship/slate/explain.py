"""Why each candidate is in or out of the slate, in words; what each contribution would
give and keep; and the slate beside rank order.

Reasons are read off the two outcomes and the ledger's own plan, never re-derived from
the solver's internals, so every sentence can be checked by hand against the page.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import ngettext

from sponsorship.core import money
from sponsorship.slate import fitting
from sponsorship.slate.problem import Candidate, Figures, Method, Outcome, Problem, Targets
from sponsorship.web.labels import REGION_LABELS


@dataclass(frozen=True)
class Reason:
    candidate: Candidate
    included: bool
    in_rank_order: bool
    text: str


@dataclass(frozen=True)
class FundUse:
    key: int
    label: str
    balance: Decimal
    slate_used: Decimal
    slate_left: Decimal
    rank_used: Decimal
    rank_left: Decimal


@dataclass(frozen=True)
class Comparison:
    slate: Figures
    rank: Figures

    def rows(self) -> list[tuple[str, object, object, bool]]:
        """(label, slate, rank order, whether it is money) per figure."""
        s, r = self.slate, self.rank
        return [
            (_("States represented"), s.states, r.states, False),
            (_("Delegates"), s.delegates, r.delegates, False),
            (_("Money used"), s.money, r.money, True),
            (_("Women"), s.women, r.women, False),
            (_("First-time participants"), s.first_time, r.first_time, False),
            (_("Sum of priority scores"), s.score, r.score, False),
        ]


def _in_reason(problem: Problem, c: Candidate, rank_chosen: frozenset, rank_states: set) -> str:
    if c.key in problem.targets.pinned_in:
        return _("In: pinned in by the administrator.")
    if c.key in rank_chosen:
        return _("In: in rank order too (rank %(rank)d).", rank=c.rank)
    if c.state not in rank_states:
        return _(
            "In: %(state)s would have no delegate in rank order; its earmarked money can pay.",
            state=c.state,
        )
    return _(
        "In: with score %(score)d, the best use of the money its earmarks allow.",
        score=c.score,
    )


@dataclass(frozen=True)
class _Seen:
    """What every out-reason looks at, computed once per slate (not per candidate)."""

    per_state: Counter
    funded: frozenset[int]
    flexible: frozenset[int]
    rank_chosen: frozenset[int]
    #: States the slate represents beyond rank order.
    gained: int
    #: Fund key -> what the slate leaves of it.
    left: dict[int, Decimal]
    #: Set of funds -> what the slate leaves of them all: candidates of one purpose share
    #: one set of hundreds of funds, so each set is summed once (filled as asked).
    left_of: dict[frozenset, Decimal] = field(default_factory=dict)

    def left_in(self, funds: frozenset) -> Decimal:
        if funds not in self.left_of:
            self.left_of[funds] = sum((self.left.get(k, Decimal(0)) for k in funds), Decimal(0))
        return self.left_of[funds]


def _seen(problem: Problem, slate: Outcome, rank: Outcome) -> _Seen:
    by_key = {c.key: c for c in problem.candidates}
    return _Seen(
        per_state=Counter(by_key[k].state for k in slate.chosen) + Counter(problem.taken),
        funded=frozenset(f.key for f in problem.funds if f.balance > 0),
        flexible=frozenset(f.key for f in problem.funds if f.restrictions == 0),
        rank_chosen=frozenset(rank.chosen),
        gained=max(slate.figures.states - rank.figures.states, 0),
        left={k: spare for k, (_used, spare) in fitting.leftover(problem, slate).items()},
    )


def _out_reason(problem: Problem, c: Candidate, seen: _Seen) -> str:
    allowed = c.funds & seen.funded
    if c.key in problem.targets.pinned_out:
        return _("Out: pinned out by the administrator.")
    if not allowed:
        return _("Out: no money left has earmarks that allow this ticket.")
    if seen.per_state[c.state] >= problem.cap_per_state:
        return ngettext(
            "Out: %(state)s already has %(num)d delegate, the meeting's cap.",
            "Out: %(state)s already has %(num)d delegates, the meeting's cap.",
            problem.cap_per_state,
            state=c.state,
        )
    if c.key in seen.rank_chosen and seen.gained > 0 and allowed <= seen.flexible:
        return ngettext(
            "Out: only flexible money could pay for this ticket, and it was worth %(num)d"
            " State with no delegate.",
            "Out: only flexible money could pay for this ticket, and it was worth %(num)d"
            " States with no delegate.",
            seen.gained,
        )
    allowed_left = seen.left_in(c.funds)
    if allowed_left < c.cost:
        return _(
            "Out: its earmarks allow %(left)s of the money the slate leaves; it costs %(cost)s.",
            left=money.display(allowed_left),
            cost=money.display(c.cost),
        )
    return _(
        "Out: it fits the money left, but only by breaking the reserve or a balance target,"
        " or by lowering the sum of scores (score %(score)d).",
        score=c.score,
    )


def reasons(problem: Problem, slate: Outcome, rank: Outcome) -> list[Reason]:
    """One reason per candidate: the slate's first (in offer order), then the others by rank."""
    by_key = {c.key: c for c in problem.candidates}
    rank_states = {by_key[k].state for k in rank.chosen} | {
        s for s, n in problem.taken.items() if n > 0
    }
    seen = _seen(problem, slate, rank)
    result = [
        Reason(
            by_key[k],
            True,
            k in seen.rank_chosen,
            _in_reason(problem, by_key[k], seen.rank_chosen, rank_states),
        )
        for k in slate.chosen
    ]
    chosen = set(slate.chosen)
    for c in sorted(problem.candidates, key=lambda c: (c.rank, c.key)):
        if c.key not in chosen:
            result.append(
                Reason(c, False, c.key in seen.rank_chosen, _out_reason(problem, c, seen))
            )
    return result


def fund_use(problem: Problem, slate: Outcome, rank: Outcome) -> list[FundUse]:
    s, r = fitting.leftover(problem, slate), fitting.leftover(problem, rank)
    return [
        FundUse(f.key, f.label, f.balance, *s[f.key], *r[f.key])
        for f in sorted(problem.funds, key=lambda f: f.order)
    ]


def why_infeasible(problem: Problem) -> str:
    """Which target (or pin) cannot be met: each is dropped in turn and the rest solved."""
    t = problem.targets
    drops: list[tuple[str, Targets]] = []
    if t.pinned_in:
        drops.append(
            (
                _(
                    "The candidates pinned in cannot all be funded within the money and the cap"
                    " per State."
                ),
                replace(t, pinned_in=frozenset()),
            )
        )
    if t.min_women_share:
        drops.append(
            (
                _(
                    "At least %(share)s%% women cannot be reached with these candidates and this"
                    " money.",
                    share=f"{t.min_women_share * 100:.0f}",
                ),
                replace(t, min_women_share=None),
            )
        )
    for region, count in sorted(t.min_per_region.items()):
        rest = {r: n for r, n in t.min_per_region.items() if r != region}
        drops.append(
            (
                _(
                    "At least %(count)d delegates from %(region)s cannot be funded.",
                    count=count,
                    region=REGION_LABELS.get(region, region),
                ),
                replace(t, min_per_region=rest),
            )
        )
    if t.reserve > 0:
        drops.append(
            (
                _(
                    "The reserve of %(amount)s leaves too little money for the targets.",
                    amount=money.display(t.reserve),
                ),
                replace(t, reserve=Decimal(0)),
            )
        )
    culprits = [text for text, relaxed in drops if _feasible(replace(problem, targets=relaxed))]
    if culprits:
        return " ".join(culprits)
    return _("The targets, the pins and the reserve cannot all be met together; relax some.")


def _feasible(problem: Problem) -> bool:
    from sponsorship.slate.model import _run

    return _run(problem, 2.0)[0] != "infeasible"


def headline(outcome: Outcome) -> str:
    """The solver's status in words, with the gap when the time limit stopped it."""
    if outcome.method == Method.OPTIMAL:
        return _("Optimal slate, proven by the solver in %(ms)d ms.", ms=round(outcome.solve_ms))
    if outcome.method == Method.TIME_LIMIT:
        return _(
            "Best slate found in the time limit; it is within %(gap)s%% of the optimum.",
            gap=f"{(outcome.gap or 0) * 100:.2f}",
        )
    return outcome.message
