"""The slate against rank order at twenty years of data: `python -m tests.bench.bench_slate`.

Builds a scratch SQLite database (or reuses --database, seeding it only when empty) with
the real migrations and `seed-scale --years 20` (sponsorship/devdata/scale/), then, for
every meeting, asks what the slate would have done with the same money as rank order:

* the candidates: the meeting's priced delegates, scored and ranked by the review;
* the money: what each contribution gave the meeting's delegates (allocations committed
  or spent), each candidate allowed the funds its award's purpose allows
  (`earmarks.Purpose.allows`, the ledger's own rule);
* rank order (`slate.fitting.rank_order`) and the slate (`slate.model.solve`) on it.

Writes `slate_states_gain_pct` (mean gain in States represented over rank order, in
per cent), `slate_states_gain_min_pct` (the worst meeting's), and `slate_solve_ms_p50` /
`slate_solve_ms_max` over --runs solves of the largest meeting; with --output, merged
into that JSON file (other keys kept). Not collected by pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import func, select

from sponsorship.devdata import scale
from sponsorship.extensions import db
from sponsorship.funding.earmarks import award_purposes, priority_key
from sponsorship.models import (
    Allocation,
    AllocationStatus,
    Application,
    Award,
    AwardCostLine,
    Contribution,
    CostStage,
    Delegate,
    Gender,
    Meeting,
    State,
)
from sponsorship.review.queue import meeting_ranking
from sponsorship.slate import fitting, model
from sponsorship.slate.problem import Candidate, Fund, Problem
from tests.apps import build_app

TODAY = date(2026, 11, 28)
#: Past spend-by dates do not matter here: the question is what the same money, under
#: the same earmarks, could have paid for.
ANY_DAY = date.min


def _money(meeting: Meeting) -> dict[int, Decimal]:
    """Contribution id -> what it gave this meeting's delegates."""
    rows = db.session.execute(
        select(Allocation.contribution_id, func.sum(Allocation.amount))
        .join(Award, Allocation.award_id == Award.id)
        .join(Delegate, Award.delegate_id == Delegate.id)
        .join(Application, Delegate.application_id == Application.id)
        .where(
            Application.meeting_id == meeting.id,
            Allocation.status.in_((AllocationStatus.COMMITTED, AllocationStatus.SPENT)),
        )
        .group_by(Allocation.contribution_id)
    ).all()
    return {cid: Decimal(amount) for cid, amount in rows}


def meeting_problem(meeting: Meeting) -> Problem:
    given = _money(meeting)
    contributions = db.session.scalars(
        select(Contribution).where(Contribution.id.in_(list(given)))
    ).all()
    rows = db.session.execute(
        select(
            Award.id,
            Delegate.application_id,
            Delegate.position,
            Delegate.gender,
            Delegate.first_time,
            State.name,
            State.regional_group,
            func.sum(AwardCostLine.amount),
        )
        .join(Delegate, Award.delegate_id == Delegate.id)
        .join(Application, Delegate.application_id == Application.id)
        .join(State, Application.state_id == State.id)
        .join(AwardCostLine, AwardCostLine.award_id == Award.id)
        .where(Application.meeting_id == meeting.id, AwardCostLine.stage == CostStage.ESTIMATE)
        .group_by(Award.id, Delegate.id, State.id)
    ).all()
    purposes = award_purposes(r[0] for r in rows)
    allowed = {
        purpose: frozenset(c.id for c in contributions if purpose.allows(c, ANY_DAY))
        for purpose in set(purposes.values())
    }
    ranks = meeting_ranking(meeting, TODAY).rank_of({r[1] for r in rows})
    last = (len(ranks) + 1, 0)
    ordered = sorted(rows, key=lambda r: (ranks.get(r[1], last)[0], r[2], r[0]))
    candidates = tuple(
        Candidate(
            key=award_id,
            state=state,
            region=str(region),
            cost=Decimal(cost),
            score=ranks.get(app_id, last)[1],
            rank=n,
            funds=allowed[purposes[award_id]],
            female=gender == Gender.FEMALE,
            first_time=bool(first),
        )
        for n, (award_id, app_id, _pos, gender, first, state, region, cost) in enumerate(
            ordered, start=1
        )
        if cost and cost > 0
    )
    funds = tuple(
        Fund(c.id, given[c.id], priority_key(c), c.reference, c.restriction_count)
        for c in contributions
    )
    return Problem(candidates, funds, meeting.delegate_cap)


def _compare(problems: dict[int, Problem]) -> tuple[list[float], dict]:
    gains, worst = [], {}
    for meeting_id, problem in problems.items():
        rank = fitting.rank_order(problem)
        slate = model.solve(problem)
        assert slate.method.value in ("optimal", "time_limit"), (meeting_id, slate.message)
        gain = 100.0 * (slate.figures.states - rank.figures.states) / max(rank.figures.states, 1)
        gains.append(gain)
        worst[meeting_id] = (gain, rank.figures.states, slate.figures.states, slate.solve_ms)
    return gains, worst


def _has_meetings(app) -> bool:
    with app.app_context():
        if not sa.inspect(db.engine).has_table("meetings"):
            return False
        return bool(db.session.scalar(select(func.count(Meeting.id))))


def _seeded_app(args, tmp: str):
    """The app on a seeded database: --database reused when it holds meetings already."""
    url = args.database or os.environ.get("BENCH_DATABASE_URL")
    url = url or f"sqlite:///{Path(tmp) / 'bench.db'}"
    app = build_app(url, RATELIMIT_ENABLED=False)
    if not _has_meetings(app):
        app = build_app(url, reset=True, RATELIMIT_ENABLED=False)
        with app.app_context():
            scale.seed_scale(years=args.years, today=TODAY)
            scale.analyze()
    return app


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database", help="a SQLite/PostgreSQL URL to seed once and reuse")
    parser.add_argument("--output", type=Path, help="JSON file to merge the figures into")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        app = _seeded_app(args, tmp)
        with app.app_context():
            meetings = db.session.scalars(select(Meeting).order_by(Meeting.starts_on)).all()
            problems = {m.id: meeting_problem(m) for m in meetings}
            problems = {k: p for k, p in problems.items() if p.candidates and p.funds}
            gains, per_meeting = _compare(problems)
            largest = max(problems.values(), key=lambda p: len(p.candidates))
            times = [model.solve(largest).solve_ms for _ in range(args.runs)]
            dialect = db.engine.dialect.name
            db.engine.dispose()

    figures = {
        "slate_states_gain_pct": round(statistics.mean(gains), 2),
        "slate_states_gain_min_pct": round(min(gains), 2),
        "slate_solve_ms_p50": round(statistics.median(times), 1),
        "slate_solve_ms_max": round(max(times), 1),
        "slate_bench_meetings": len(problems),
        "slate_bench_largest_candidates": len(largest.candidates),
        "slate_bench_years": args.years,
        "slate_bench_database": dialect,
    }
    worst_id = min(per_meeting, key=lambda k: per_meeting[k][0])
    print(
        f"{len(problems)} meetings over {args.years} years ({dialect}): States represented,"
        f" slate over rank order: mean +{figures['slate_states_gain_pct']}%,"
        f" worst {figures['slate_states_gain_min_pct']:+}%; largest meeting"
        f" ({len(largest.candidates)} candidates, {len(largest.funds)} funds) solved in"
        f" {figures['slate_solve_ms_p50']} ms (median of {args.runs}),"
        f" {figures['slate_solve_ms_max']} ms at most; worst meeting {worst_id}:"
        f" {per_meeting[worst_id][1]} States in rank order, {per_meeting[worst_id][2]} in the slate"
    )
    if args.output:
        merged = {}
        if args.output.exists():
            merged.update(json.loads(args.output.read_text(encoding="utf-8")))
        merged.update(figures)
        args.output.write_text(json.dumps(merged, indent=2) + "\n", encoding="utf-8")
    return figures


if __name__ == "__main__":
    main()
