"""The slate's program on cases solved on paper (no database: the model is pure)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sponsorship.slate import explain, fitting, model
from sponsorship.slate.problem import Candidate, Fund, Method, Problem, Targets

D = Decimal
FLEX, AFRICA = 1, 2


def cand(key, state, cost, score, rank, funds, *, region="africa", female=False):
    return Candidate(
        key,
        state,
        region,
        D(cost),
        score,
        rank,
        frozenset(funds),
        female=female,
        label=f"d{key}",
    )


def fund(key, balance, restrictions=0):
    return Fund(key, D(balance), (-restrictions, key), f"C{key}", restrictions)


@pytest.fixture
def app_ctx(app):
    with app.test_request_context():
        yield


def earmark_case(**targets) -> Problem:
    """1000 of flexible money and 1000 earmarked for Africa.

    Rank order takes the European d1 (rank 1, 1000, only flexible money can pay it),
    then d2..d4 from Africa (500 each) fit the Africa money for two of them: 3 States.
    The optimum leaves d1 out: d2..d4 plus d5 on 2000 = 4 States... only if they fit:
    d2, d3 on Africa money, d4, d5 on flexible: 4 States against 3.
    """
    return Problem(
        candidates=(
            cand(1, "Europa", 1000, 50, 1, {FLEX}, region="weog"),
            cand(2, "Aland", 500, 40, 2, {FLEX, AFRICA}),
            cand(3, "Bland", 500, 30, 3, {FLEX, AFRICA}),
            cand(4, "Cland", 500, 20, 4, {FLEX, AFRICA}),
            cand(5, "Dland", 500, 10, 5, {FLEX, AFRICA}, female=True),
        ),
        funds=(fund(FLEX, 1000), fund(AFRICA, 1000, restrictions=1)),
        cap_per_state=1,
        targets=Targets(**targets),
    )


def test_rank_order_spends_flexible_money_on_the_first_ranked(app_ctx):
    outcome = fitting.rank_order(earmark_case())
    assert outcome.chosen == (1, 2, 3)
    assert outcome.figures.states == 3
    assert outcome.takes[2] == ((AFRICA, D(500)),)


def test_solve_earmarks_make_rank_order_strictly_worse(app_ctx):
    problem = earmark_case()
    slate = model.solve(problem)
    assert slate.method == Method.OPTIMAL
    assert set(slate.chosen) == {2, 3, 4, 5}
    assert slate.figures.states == 4 > fitting.rank_order(problem).figures.states
    assert slate.gap == 0.0
    assert slate.unfunded == ()
    assert slate.figures.money == D(2000)


def test_solve_prefers_more_states_over_a_higher_score(app_ctx):
    """Cap 2: two delegates of Aland score 100 each, Bland's one scores 1; 1000 pays two.
    Most score would be Aland twice (200); most States is Aland + Bland (101)."""
    problem = Problem(
        candidates=(
            cand(1, "Aland", 500, 100, 1, {FLEX}),
            cand(2, "Aland", 500, 100, 2, {FLEX}),
            cand(3, "Bland", 500, 1, 3, {FLEX}),
        ),
        funds=(fund(FLEX, 1000),),
        cap_per_state=2,
    )
    slate = model.solve(problem)
    assert slate.figures.states == 2
    assert slate.figures.score == 101
    assert fitting.rank_order(problem).chosen == (1, 2)


def test_solve_breaks_state_ties_by_score(app_ctx):
    """Three States, money for two: the two best scores, whatever the rank."""
    problem = Problem(
        candidates=(
            cand(1, "Aland", 400, 5, 1, {FLEX}),
            cand(2, "Bland", 600, 30, 2, {FLEX}),
            cand(3, "Cland", 600, 20, 3, {FLEX}),
        ),
        funds=(fund(FLEX, 1200),),
        cap_per_state=1,
    )
    assert set(model.solve(problem).chosen) == {2, 3}


def test_solve_pins_are_respected(app_ctx):
    problem = earmark_case(pinned_in=frozenset({1}), pinned_out=frozenset({2}))
    slate = model.solve(problem)
    assert 1 in slate.chosen and 2 not in slate.chosen
    # 1 takes all the flexible money; Africa's 1000 pays the two best left: 3 and 4.
    assert set(slate.chosen) == {1, 3, 4}


def africans_only(**targets) -> Problem:
    problem = earmark_case(pinned_out=frozenset({1}), **targets)
    return Problem(problem.candidates, (fund(AFRICA, 1000, 1),), 1, targets=problem.targets)


def test_solve_women_target_changes_the_slate(app_ctx):
    """Money for two of four Africans: without a target 2 and 3 (best scores, both men);
    at least half women keeps 2 and takes 5 (the one woman) instead of 3."""
    assert set(model.solve(africans_only()).chosen) == {2, 3}
    assert set(model.solve(africans_only(min_women_share=D("0.5"))).chosen) == {2, 5}


def test_solve_reserve_keeps_money_back(app_ctx):
    slate = model.solve(earmark_case(reserve=D(600)))
    assert slate.figures.money <= D(1400)
    assert slate.figures.states == 2


def test_solve_infeasible_target_says_which(app_ctx):
    problem = earmark_case(min_per_region={"weog": 2})
    slate = model.solve(problem)
    assert slate.method == Method.INFEASIBLE
    assert slate.chosen == ()
    assert "At least 2 delegates from weog cannot be funded." in slate.message


def test_solve_unfundable_pin_says_so(app_ctx):
    problem = earmark_case(pinned_in=frozenset({1, 2, 3, 4, 5}))
    slate = model.solve(problem)
    assert slate.method == Method.INFEASIBLE
    assert "pinned in cannot all be funded" in slate.message


def test_solve_falls_back_to_rank_order_when_the_solver_fails(app_ctx, monkeypatch):
    def broken(*_args):
        raise RuntimeError("solver crashed")

    monkeypatch.setattr(model, "_run", broken)
    slate = model.solve(earmark_case())
    assert slate.method == Method.FALLBACK
    assert slate.chosen == fitting.rank_order(earmark_case()).chosen
    assert "solver crashed" in slate.message and "rank-order" in slate.message


def test_solve_cap_counts_delegates_already_offered(app_ctx):
    problem = Problem(
        candidates=(cand(1, "Aland", 100, 9, 1, {FLEX}), cand(2, "Bland", 100, 1, 2, {FLEX})),
        funds=(fund(FLEX, 1000),),
        cap_per_state=1,
        taken={"Aland": 1},
    )
    slate = model.solve(problem)
    assert slate.chosen == (2,)
    assert slate.figures.states == 2


def test_offer_order_lets_the_ledger_fund_the_whole_slate(app_ctx):
    """The ledger takes the most restricted money first: offered first, the broad d2
    would take Africa's 500 that d1 (Africa money only) needs. Offered narrowest first,
    both are funded."""
    problem = Problem(
        candidates=(
            cand(1, "Aland", 500, 1, 2, {AFRICA}),
            cand(2, "Bland", 500, 1, 1, {FLEX, AFRICA}),
        ),
        funds=(fund(FLEX, 500), fund(AFRICA, 500, restrictions=1)),
        cap_per_state=1,
    )
    assert fitting.ledger_plan(problem, [2, 1])[1] == [1]
    slate = model.solve(problem)
    assert slate.chosen == (1, 2) and slate.unfunded == ()
    assert slate.takes[2] == ((FLEX, D(500)),)


def test_reasons_name_the_flexible_money_trade(app_ctx):
    problem = earmark_case()
    slate, rank = model.solve(problem), fitting.rank_order(problem)
    by_key = {r.candidate.key: r for r in explain.reasons(problem, slate, rank)}
    assert by_key[1].text == (
        "Out: only flexible money could pay for this ticket, and it was worth 1 State with"
        " no delegate."
    )
    assert by_key[5].text.startswith("In: Dland would have no delegate in rank order")
    assert by_key[2].text == "In: in rank order too (rank 2)."
    uses = {u.key: u for u in explain.fund_use(problem, slate, rank)}
    assert uses[FLEX].slate_used == D(1000) and uses[FLEX].rank_left == D(0)
    assert uses[AFRICA].slate_left == D(0)


def test_solve_with_no_fundable_candidate_is_an_empty_optimum(app_ctx):
    problem = Problem((cand(1, "Aland", 100, 1, 1, set()),), (fund(FLEX, 1000),), 1)
    slate = model.solve(problem)
    assert (slate.method, slate.chosen, slate.message) == (Method.OPTIMAL, (), "")
    assert model.solve(Problem((), (), 1)).method == Method.OPTIMAL


def test_solve_spends_idle_money_on_zero_score_delegates(app_ctx):
    """Two States, cap 2: Aland's second delegate scores 0. States and score are the same
    with or without it; the tie-break takes it rather than leave its money idle."""
    problem = Problem(
        candidates=(
            cand(1, "Aland", 100, 10, 1, {FLEX}),
            cand(2, "Aland", 100, 0, 2, {FLEX}),
            cand(3, "Bland", 100, 5, 3, {FLEX}),
        ),
        funds=(fund(FLEX, 300),),
        cap_per_state=2,
    )
    assert set(model.solve(problem).chosen) == {1, 2, 3}
