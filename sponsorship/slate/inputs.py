"""A meeting's slate problem, read from the database: the priced delegates awaiting a
decision, the money their earmarks allow, the review's scores and rank, the cap.

Each candidate's funds come from `earmarks.Purpose.allows` over the award's own purpose
(`award_purposes`), the funds' order from `earmarks.priority_key` and their balances from
`earmarks.usable`: the ledger's rules, not a copy of them. A handful of queries whatever
the meeting's size.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from sponsorship.extensions import db
from sponsorship.funding.earmarks import (
    AVAILABLE,
    PRIORITY,
    AllowedFunds,
    award_purposes,
    meeting_purpose,
    priority_key,
    usable,
)
from sponsorship.funding.waiting_list import still_needed
from sponsorship.models import (
    Application,
    Award,
    AwardStatus,
    Contribution,
    Delegate,
    Gender,
    Meeting,
    State,
)
from sponsorship.review.queue import meeting_ranking
from sponsorship.review.scoring import QUEUE_STATUSES
from sponsorship.slate.problem import Candidate, Fund, Problem, Targets

#: Awards the slate may propose: priced and not yet decided on (or on the waiting list).
OPEN = (AwardStatus.PENDING, AwardStatus.WAITLISTED)
#: Awards whose delegates already count for their State at the meeting.
TAKEN = (AwardStatus.OFFERED, AwardStatus.ACCEPTED, AwardStatus.ATTENDED)


@dataclass(frozen=True)
class Loaded:
    problem: Problem
    #: Award id -> the award (delegate, application and State loaded).
    awards: dict[int, Award]
    #: Fund key -> the contribution.
    contributions: dict[int, Contribution]


def _open_awards(meeting: Meeting) -> list[tuple[Award, Decimal]]:
    rows = db.session.execute(
        select(Award, still_needed())
        .join(Delegate, Award.delegate_id == Delegate.id)
        .join(Application, Delegate.application_id == Application.id)
        .join(State, Application.state_id == State.id)
        .where(
            Application.meeting_id == meeting.id,
            Application.status.in_(QUEUE_STATUSES),
            Award.status.in_(OPEN),
        )
        .options(
            contains_eager(Award.delegate)
            .contains_eager(Delegate.application)
            .contains_eager(Application.state)
        )
        .order_by(Award.id)
    ).all()
    return [(award, need) for award, need in rows if need > 0]


def _taken(meeting: Meeting) -> Counter:
    rows = db.session.execute(
        select(State.name, func.count(Award.id))
        .select_from(Award)
        .join(Delegate, Award.delegate_id == Delegate.id)
        .join(Application, Delegate.application_id == Application.id)
        .join(State, Application.state_id == State.id)
        .where(Application.meeting_id == meeting.id, Award.status.in_(TAKEN))
        .group_by(State.name)
    ).all()
    return Counter({name: int(n) for name, n in rows})


def load(meeting: Meeting, targets: Targets, today: date) -> Loaded:
    needs = _open_awards(meeting)
    purposes = award_purposes(award.id for award, _need in needs)
    contributions = db.session.scalars(
        select(Contribution)
        .where(*meeting_purpose(meeting).clauses(today), AVAILABLE > 0)
        .order_by(*PRIORITY)
    ).all()
    ranks = meeting_ranking(meeting, today).rank_of(
        {award.delegate.application_id for award, _need in needs}
    )
    last = (len(ranks) + 1, 0)

    def position(need: tuple[Award, Decimal]) -> tuple:
        award = need[0]
        return ranks.get(award.delegate.application_id, last)[0], award.delegate.position, award.id

    # Purpose -> fund keys, asked once per purpose and earmark key: a meeting's
    # hundreds of awards share a few purposes, its hundreds of funds a few dozen keys.
    funds_for = AllowedFunds(contributions, today)

    candidates = []
    for rank, (award, need) in enumerate(sorted(needs, key=position), start=1):
        delegate, purpose = award.delegate, purposes[award.id]
        candidates.append(
            Candidate(
                key=award.id,
                state=delegate.application.state.name,
                region=str(delegate.application.state.regional_group),
                cost=need,
                score=ranks.get(delegate.application_id, last)[1],
                rank=rank,
                funds=funds_for(purpose),
                female=delegate.gender == Gender.FEMALE,
                first_time=bool(delegate.first_time),
                label=delegate.name,
            )
        )
    funds = tuple(
        Fund(c.id, usable(c, today), priority_key(c), c.reference, c.restriction_count)
        for c in contributions
    )
    problem = Problem(tuple(candidates), funds, meeting.delegate_cap, _taken(meeting), targets)
    return Loaded(problem, {a.id: a for a, _n in needs}, {c.id: c for c in contributions})
