"""The slate as a mixed-integer program, solved exactly by HiGHS.

**Why HiGHS (through `highspy`).** It is the open-source MIP solver SciPy itself ships
(`scipy.optimize.milp` calls HiGHS), MIT-licensed, maintained by the University of
Edinburgh and benchmarked among the fastest open solvers; `highspy` is its own Python
interface: one wheel and NumPy, where SciPy would bring forty megabytes for one call,
and OR-Tools a far larger toolkit for a problem that needs none of it. `highspy` also
reports what `milp` hides: the relative gap when the time limit stops the search.

**Variables.** ``x_i`` in {0, 1}: candidate ``i`` is in the slate. ``z_s`` in {0, 1}:
State ``s`` gets a delegate (only States with none yet). ``y_ck >= 0``: money from fund
class ``k`` to candidate class ``c``. Funds whose earmarks allow exactly the same
candidates form one class (their balances add up), and so do candidates allowed exactly
the same funds: a flow between classes is feasible exactly when one between the funds
and candidates is, and the program has a few dozen money variables instead of one per
fund and delegate.

**Constraints.** Each class's money covers its chosen candidates' costs,
``sum_k y_ck = sum_{i in c} cost_i x_i``; no fund class gives more than it holds,
``sum_c y_ck <= balance_k``; the reserve stays, ``sum y <= usable - reserve``; the
meeting's cap, ``sum_{i in s} x_i <= cap - taken_s``; ``z_s <= sum_{i in s} x_i``; the
targets: ``sum_i (female_i - share) x_i >= 0`` and ``sum_{i in r} x_i >= n_r``; pins fix
``x_i`` to 1 or 0.

**Objective.** Lexicographic, in successive solves on the same constraints: first
maximise ``sum_s z_s`` (States); then, with ``sum_s z_s >= S*`` added and the first
answer as the starting point, maximise ``sum_i score_i x_i``; then, the score kept,
``sum_i x_i`` (a tie-break only: money is not left idle that a delegate scoring zero
could use). One weighted objective
(``M * States + score``) says the same in one solve, but its huge range kept HiGHS from
proving the optimum within 20 s at the largest meeting; the two solves prove both in
about a second. Both objectives are integers, so an absolute gap below 1 is the optimum.

The solver's answer is then checked with exact money by the ledger's own plan
(`fitting.ledger_plan`); the slate is never trusted on floats alone.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

import highspy
import numpy as np
from flask_babel import lazy_gettext as _l

from sponsorship.slate import fitting
from sponsorship.slate.problem import Method, Outcome, Problem

#: Seconds the solver may search before the best slate found so far is taken.
TIME_LIMIT = 10.0


@dataclass
class _Rows:
    """Constraint rows in compressed sparse row form, as `Highs.addRows` takes them."""

    lower: list[float]
    upper: list[float]
    starts: list[int]
    index: list[int]
    value: list[float]

    @classmethod
    def empty(cls) -> _Rows:
        return cls([], [], [], [], [])

    def add(self, terms: dict[int, float], lower: float, upper: float) -> None:
        self.starts.append(len(self.index))
        self.index.extend(terms)
        self.value.extend(terms.values())
        self.lower.append(lower)
        self.upper.append(upper)


class _Layout:
    """Column numbers of the program's variables."""

    def __init__(self, problem: Problem) -> None:
        funded = {f.key: f for f in problem.funds if f.balance > 0}
        self.candidates = list(problem.candidates)
        # Candidates sharing a purpose share one set of funds: ask each set, not each
        # candidate, whether it holds a fund (hundreds of funds times hundreds of awards).
        by_funds: dict[frozenset, list[int]] = defaultdict(list)
        for c in self.candidates:
            by_funds[c.funds].append(c.key)
        # A fund's candidates are the groups whose set holds it: funds in the same groups
        # are one class, and its candidates are gathered once per class, not per fund.
        groups = {funds: frozenset(keys) for funds, keys in by_funds.items()}
        by_groups: dict[frozenset, list[int]] = defaultdict(list)
        for fund in funded.values():
            by_groups[frozenset(funds for funds in groups if fund.key in funds)].append(fund.key)
        fund_classes: dict[frozenset, list[int]] = defaultdict(list)
        for member_of, keys in by_groups.items():
            fund_classes[frozenset().union(*(groups[funds] for funds in member_of))] += keys
        self.fund_classes = [
            (sum((funded[k].balance for k in keys), 0), allowed)
            for allowed, keys in fund_classes.items()
            if allowed
        ]
        cand_classes: dict[frozenset, list[int]] = defaultdict(list)
        for n, c in enumerate(self.candidates):
            classes = frozenset(
                k for k, (_b, allowed) in enumerate(self.fund_classes) if c.key in allowed
            )
            cand_classes[classes].append(n)
        self.cand_classes = list(cand_classes.items())
        open_states = sorted(
            {c.state for c in self.candidates} - {s for s, n in problem.taken.items() if n > 0}
        )
        n_x = len(self.candidates)
        self.z = {s: n_x + n for n, s in enumerate(open_states)}
        self.y: dict[tuple[int, int], int] = {}
        col = n_x + len(open_states)
        for c, (classes, _members) in enumerate(self.cand_classes):
            for k in sorted(classes):
                self.y[c, k] = col
                col += 1
        self.columns = col


def _rows(problem: Problem, layout: _Layout) -> _Rows:
    rows = _Rows.empty()
    inf = highspy.kHighsInf
    for c, (_classes, members) in enumerate(layout.cand_classes):
        terms = {i: -float(layout.candidates[i].cost) for i in members}
        terms.update({col: 1.0 for (cc, _k), col in layout.y.items() if cc == c})
        rows.add(terms, 0.0, 0.0)
    for k, (balance, _allowed) in enumerate(layout.fund_classes):
        terms = {col: 1.0 for (_c, kk), col in layout.y.items() if kk == k}
        if terms:
            rows.add(terms, -inf, float(balance))
    if problem.targets.reserve > 0 and layout.y:
        room = float(problem.usable - problem.targets.reserve)
        rows.add({col: 1.0 for col in layout.y.values()}, -inf, room)
    by_state: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(layout.candidates):
        by_state[c.state].append(i)
    for state, members in by_state.items():
        room = problem.cap_per_state - problem.taken.get(state, 0)
        rows.add({i: 1.0 for i in members}, -inf, float(max(room, 0)))
        if state in layout.z:
            rows.add({layout.z[state]: 1.0, **{i: -1.0 for i in members}}, -inf, 0.0)
    _target_rows(problem, layout, rows)
    return rows


def _target_rows(problem: Problem, layout: _Layout, rows: _Rows) -> None:
    targets, inf = problem.targets, highspy.kHighsInf
    if targets.min_women_share:
        share = float(targets.min_women_share)
        terms = {i: float(c.female) - share for i, c in enumerate(layout.candidates)}
        rows.add(terms, 0.0, inf)
    for region, at_least in targets.min_per_region.items():
        if at_least > 0:
            terms = {i: 1.0 for i, c in enumerate(layout.candidates) if c.region == region}
            rows.add(terms, float(at_least), inf)


def _build(problem: Problem, layout: _Layout, time_limit: float) -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.999)
    h.setOptionValue("threads", 1)
    lower = np.zeros(layout.columns)
    upper = np.full(layout.columns, highspy.kHighsInf)
    pinned_in, pinned_out = problem.targets.pinned_in, problem.targets.pinned_out
    for i, c in enumerate(layout.candidates):
        upper[i] = 0.0 if c.key in pinned_out or not c.funds else 1.0
        lower[i] = 1.0 if c.key in pinned_in else 0.0
    for col in layout.z.values():
        upper[col] = 1.0
    h.addVars(layout.columns, lower, upper)
    integer = list(range(len(layout.candidates))) + list(layout.z.values())
    h.changeColsIntegrality(
        len(integer),
        np.array(integer, dtype=np.int32),
        np.full(len(integer), highspy.HighsVarType.kInteger),
    )
    rows = _rows(problem, layout)
    if rows.lower:
        h.addRows(
            len(rows.lower),
            np.array(rows.lower),
            np.array(rows.upper),
            len(rows.index),
            np.array(rows.starts, dtype=np.int32),
            np.array(rows.index, dtype=np.int32),
            np.array(rows.value),
        )
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    return h


def _objective(h: highspy.Highs, layout: _Layout, costs: dict[int, float]) -> None:
    cost = np.zeros(layout.columns)
    for col, value in costs.items():
        cost[col] = value
    h.changeColsCost(layout.columns, np.arange(layout.columns, dtype=np.int32), cost)


def _solved(h: highspy.Highs, deadline: float) -> tuple[str, list[float], float]:
    """Run with what is left of the time: (status, column values, relative gap)."""
    h.setOptionValue("time_limit", max(deadline - time.perf_counter(), 0.05))
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        return "infeasible", [], 0.0
    info = h.getInfo()
    if info.primal_solution_status != highspy.kSolutionStatusFeasible:
        return "failed", [], 0.0
    optimal = status == highspy.HighsModelStatus.kOptimal
    gap = 0.0 if optimal else float(info.mip_gap)
    return ("optimal" if optimal else "time_limit"), list(h.getSolution().col_value), gap


#: Seconds the last tier (most delegates, a tie-break) may take at most.
TIE_BREAK_SECONDS = 0.2


def _tiers(layout: _Layout) -> list[tuple[dict[int, float], bool]]:
    """The objectives, most important first, each with whether it is the issue's own
    (proven, its gap reported) or only a tie-break (best effort within a short time)."""
    tiers = [({col: 1.0 for col in layout.z.values()}, True)] if layout.z else []
    tiers.append(({i: float(c.score) for i, c in enumerate(layout.candidates)}, True))
    tiers.append(({i: 1.0 for i in range(len(layout.candidates))}, False))
    return tiers


def _keep(h: highspy.Highs, objective: dict[int, float], values: list[float]) -> None:
    """Require the objective just optimised to stay at its optimum, and start from it."""
    best = sum(coef * values[col] for col, coef in objective.items())
    columns = np.array(list(objective), dtype=np.int32)
    coefs = np.array(list(objective.values()))
    h.addRow(round(best) - 0.5, highspy.kHighsInf, len(columns), columns, coefs)
    start = highspy.HighsSolution()
    start.col_value = values
    h.setSolution(start)


def _idle_zero(layout: _Layout, values: list[float] | None) -> bool:
    """Whether a candidate scoring zero is left out: only then can the tie-break add a
    delegate (one scoring more would have raised the score, one scoring less lower it)."""
    return values is not None and any(
        c.score == 0 and c.funds and values[i] < 0.5 for i, c in enumerate(layout.candidates)
    )


def _run(problem: Problem, time_limit: float) -> tuple[str, list[int], float | None]:
    """('optimal' | 'time_limit' | 'infeasible' | 'failed', chosen keys, gap).

    Each tier is solved from the last one's answer, with the last one's optimum kept as a
    constraint. The last tier (most delegates) only settles ties: among slates with the
    most States and the best score, one that leaves no money idle that a delegate scoring
    zero could use; when its short time runs out, its best answer so far is kept.
    """
    deadline = time.perf_counter() + time_limit
    layout = _Layout(problem)
    h = _build(problem, layout, time_limit)
    gap, values, previous = 0.0, None, {}
    for objective, essential in _tiers(layout):
        if not essential and not _idle_zero(layout, values):
            break
        if values is not None:
            _keep(h, previous, values)
        _objective(h, layout, objective)
        until = deadline if essential else min(deadline, time.perf_counter() + TIE_BREAK_SECONDS)
        status, found, tier_gap = _solved(h, until)
        if status in ("infeasible", "failed"):
            if values is None:
                return status, [], None
            break
        values, previous = found, objective
        if essential:
            gap = max(gap, tier_gap)
            if status == "time_limit":
                break
    chosen = [c.key for i, c in enumerate(layout.candidates) if values[i] > 0.5]
    return ("optimal" if gap == 0 else "time_limit"), chosen, gap


def solve(problem: Problem, time_limit: float = TIME_LIMIT) -> Outcome:
    """The best slate: most States, then the highest sum of scores, within the money,
    the cap and the targets. Infeasible targets say why; a solver failure falls back
    to rank order and says so."""
    from sponsorship.slate.explain import why_infeasible

    started = time.perf_counter()
    if not any(c.funds for c in problem.candidates) and not problem.targets.pinned_in:
        # Nothing to choose from (HiGHS calls an empty model neither optimal nor solved).
        return Outcome(Method.OPTIMAL, (), {}, fitting.figures(problem, []), 0.0, 0.0)
    try:
        status, chosen, gap = _run(problem, time_limit)
    except Exception as exc:  # noqa: BLE001 - any solver failure falls back, and says so
        status, chosen, gap = "failed", [], None
        failure = str(exc)
    else:
        failure = ""
    elapsed = (time.perf_counter() - started) * 1000
    if status == "infeasible":
        message = why_infeasible(problem)
        empty = fitting.figures(problem, [])
        return Outcome(Method.INFEASIBLE, (), {}, empty, elapsed, None, message)
    if status == "failed":
        fallback = fitting.rank_order(problem)
        message = str(
            _l(
                "The solver found no slate (%(why)s): this is the rank-order result.",
                why=failure or _l("no solution within the time limit"),
            )
        )
        return Outcome(
            Method.FALLBACK,
            fallback.chosen,
            fallback.takes,
            fallback.figures,
            elapsed,
            None,
            message,
        )
    order = fitting.offer_order(problem, chosen)
    takes, refused = fitting.ledger_plan(problem, order)
    method = Method.OPTIMAL if status == "optimal" else Method.TIME_LIMIT
    return Outcome(
        method,
        tuple(order),
        takes,
        fitting.figures(problem, order),
        elapsed,
        gap,
        "",
        tuple(refused),
    )
