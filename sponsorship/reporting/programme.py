"""The programme report: per meeting and per year, computed by SQL aggregates."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import func, select

from sponsorship.core.cache import StampedCache
from sponsorship.extensions import db
from sponsorship.models import (
    Allocation,
    AllocationStatus,
    Application,
    ApplicationStatus,
    Award,
    AwardStatus,
    Contribution,
    Delegate,
    Donor,
    Gender,
    Meeting,
    State,
    data_version,
)
from sponsorship.models.awards import AwardCostLine, CostStage
from sponsorship.models.reports import DelegateReport

HELD = (AllocationStatus.COMMITTED, AllocationStatus.SPENT)
#: Who a participation is of: its person, or (not linked yet) the delegate alone, so a
#: delegate without a person still counts as one person and never merges with another.
PERSON = func.coalesce(Delegate.person_id, -Delegate.id)
ACCEPTED = (AwardStatus.ACCEPTED, AwardStatus.ATTENDED, AwardStatus.NO_SHOW)


@dataclass
class Line:
    """One meeting's (or one year's) figures."""

    key: str
    label: str
    year: int
    applications: int = 0
    offered: int = 0
    accepted: int = 0
    attended: int = 0
    #: Distinct people among those attended (`attended` counts participations).
    people: int = 0
    no_show: int = 0
    estimated: Decimal = Decimal(0)
    actual: Decimal = Decimal(0)
    states: int = 0
    article5_states: int = 0
    article4_states: int = 0
    female: int = 0
    male: int = 0
    other_gender: int = 0
    statements: int = 0
    funded: Decimal = Decimal(0)
    donors: dict[str, Decimal] = field(default_factory=dict)

    @property
    def take_up(self) -> Decimal | None:
        if not self.offered:
            return None
        return (Decimal(self.attended) / self.offered).quantize(Decimal("0.001"))


def _d(value) -> Decimal:
    return Decimal(value or 0)


def _group(level: str):
    year = func.extract("year", Meeting.starts_on)
    if level == "meeting":
        return (Meeting.id, Meeting.title, year)
    return (year, year, year)


class _Lines(dict):
    """The lines found so far, by meeting id or year, each made when first named."""

    def __init__(self, level: str) -> None:
        super().__init__()
        self.level = level

    def line(self, k, lab, y) -> Line:
        k = int(k) if self.level == "year" else k
        if k not in self:
            self[k] = Line(str(k), str(int(lab) if self.level == "year" else lab), int(y))
        return self[k]


def _to_meeting(statement: sa.Select) -> sa.Select:
    """An award's statement joined on to its meeting, through its delegate's application."""
    return (
        statement.join(Delegate, Delegate.id == Award.delegate_id)
        .join(Application, Application.id == Delegate.application_id)
        .join(Meeting, Meeting.id == Application.meeting_id)
    )


def _applications(group: tuple) -> sa.Select:
    """Applications received (every one submitted)."""
    return (
        select(*group, func.count(Application.id))
        .join(Application, Application.meeting_id == Meeting.id)
        .where(Application.status != ApplicationStatus.DRAFT)
        .group_by(*group)
    )


def _delegates(group: tuple) -> sa.Select:
    """Delegates offered, accepted, attended, no-show; States; gender; statements."""
    attended = Award.status == AwardStatus.ATTENDED
    article5 = attended & State.article5_deadline.is_not(None)
    article4 = attended & State.article4_stockpile_pending.is_(True)
    other_gender = Delegate.gender.in_((Gender.OTHER, Gender.UNDISCLOSED))
    counts = (
        func.count(sa.case((Award.offered_at.is_not(None), 1))),
        func.count(sa.case((Award.status.in_(ACCEPTED), 1))),
        func.count(sa.case((attended, 1))),
        func.count(sa.case((Award.status == AwardStatus.NO_SHOW, 1))),
        func.count(sa.distinct(sa.case((attended, State.id)))),
        func.count(sa.distinct(sa.case((article5, State.id)))),
        func.count(sa.distinct(sa.case((article4, State.id)))),
        func.count(sa.case((attended & (Delegate.gender == Gender.FEMALE), 1))),
        func.count(sa.case((attended & (Delegate.gender == Gender.MALE), 1))),
        func.count(sa.case((attended & other_gender, 1))),
        func.count(sa.case((DelegateReport.statement_delivered.is_(True), 1))),
        func.count(sa.distinct(sa.case((attended, PERSON)))),
    )
    return (
        _to_meeting(select(*group, *counts).select_from(Award))
        .join(State, State.id == Application.state_id)
        .outerjoin(DelegateReport, DelegateReport.award_id == Award.id)
        .group_by(*group)
    )


def _costs(group: tuple) -> sa.Select:
    """Costs: estimated for the accepted delegates, actual as paid."""
    estimated = (AwardCostLine.stage == CostStage.ESTIMATE) & Award.status.in_(ACCEPTED)
    actual = AwardCostLine.stage == CostStage.ACTUAL
    return _to_meeting(
        select(
            *group,
            func.coalesce(func.sum(sa.case((estimated, AwardCostLine.amount), else_=0)), 0),
            func.coalesce(func.sum(sa.case((actual, AwardCostLine.amount), else_=0)), 0),
        )
        .select_from(AwardCostLine)
        .join(Award, Award.id == AwardCostLine.award_id)
    ).group_by(*group)


def _donor_shares(group: tuple) -> sa.Select:
    """Donors and their shares: the allocation rows still holding money."""
    return (
        _to_meeting(
            select(*group, Donor.name, func.sum(Allocation.amount))
            .select_from(Allocation)
            .join(Contribution, Contribution.id == Allocation.contribution_id)
            .join(Donor, Donor.id == Contribution.donor_id)
            .join(Award, Award.id == Allocation.award_id)
        )
        .where(Allocation.status.in_(HELD))
        .group_by(*group, Donor.name)
        .order_by(Donor.name)
    )


def lines(level: str = "meeting") -> list[Line]:
    """Figures per meeting (level="meeting") or per year (level="year")."""
    group, found = _group(level), _Lines(level)
    for k, lab, y, n in db.session.execute(_applications(group)):
        found.line(k, lab, y).applications = n
    for row in db.session.execute(_delegates(group)):
        ln = found.line(*row[:3])
        (
            ln.offered,
            ln.accepted,
            ln.attended,
            ln.no_show,
            ln.states,
            ln.article5_states,
            ln.article4_states,
            ln.female,
            ln.male,
            ln.other_gender,
            ln.statements,
            ln.people,
        ) = row[3:]
    for k, lab, y, est, act in db.session.execute(_costs(group)):
        ln = found.line(k, lab, y)
        ln.estimated, ln.actual = _d(est), _d(act)
    for k, lab, y, donor, amount in db.session.execute(_donor_shares(group)):
        ln = found.line(k, lab, y)
        ln.donors[donor] = _d(amount)
        ln.funded += _d(amount)
    return sorted(found.values(), key=lambda ln: (ln.year, ln.label), reverse=True)


def people_and_participations(*, attended: bool = False) -> tuple[int, int]:
    """Across the whole programme: distinct people offered a sponsorship (`attended`:
    who attended), and their participations. A person sponsored at three meetings is
    one person, three participations."""
    which = Award.status == AwardStatus.ATTENDED if attended else Award.offered_at.is_not(None)
    people, participations = db.session.execute(
        _to_meeting(
            select(func.count(sa.distinct(PERSON)), func.count(Award.id)).select_from(Award)
        ).where(which)
    ).one()
    return people or 0, participations or 0


def shares(ln: Line) -> list[tuple[str, Decimal, Decimal]]:
    """(donor, amount, share of the line's funding in per cent)."""
    if not ln.funded:
        return []
    return [
        (name, amount, (amount * 100 / ln.funded).quantize(Decimal("0.1")))
        for name, amount in sorted(ln.donors.items(), key=lambda kv: -kv[1])
    ]


def ledger_total() -> Decimal:
    """What the allocation rows hold, for reconciliation."""
    return _d(
        db.session.scalar(select(func.sum(Allocation.amount)).where(Allocation.status.in_(HELD)))
    )


# -- The programme in aggregate, as every donor's page shows it ------------------------
#
# The figures above aggregate the whole programme: at twenty years of data that is
# about half a second on PostgreSQL and a second on SQLite, whoever asks. A donor's
# page shows them beside its own (live) figures, so they are kept per process and
# computed again as soon as anything was committed (the data version changed), or
# after PROGRAMME_REPORT_CACHE_SECONDS at most.

#: Per database and level.
_kept: StampedCache[tuple[float, list[Line]]] = StampedCache(8)


def cached_lines(level: str = "meeting") -> list[Line]:
    """`lines(level)`, reused while nothing was written and it is young enough.
    The lines are shared between requests: read them, never change them."""
    max_age = current_app.config.get("PROGRAMME_REPORT_CACHE_SECONDS", 0)
    if max_age <= 0:
        return lines(level)
    key = (str(db.engine.url), level)
    stamp, now = data_version.current_if_unwritten(db.session), time.monotonic()
    kept = _kept.get(key, stamp)
    if kept is not None and now - kept[0] < max_age:
        return kept[1]
    result = lines(level)
    _kept.put(key, stamp, (now, result))
    return result
