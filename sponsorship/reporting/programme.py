"""The programme report: per meeting and per year, computed by SQL aggregates."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import func, select

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


def lines(level: str = "meeting") -> list[Line]:
    """Figures per meeting (level="meeting") or per year (level="year")."""
    key, label, year = _group(level)
    result: dict = {}

    def line(k, lab, y) -> Line:
        k = int(k) if level == "year" else k
        if k not in result:
            result[k] = Line(str(k), str(int(lab) if level == "year" else lab), int(y))
        return result[k]

    # Applications received (every one submitted).
    for k, lab, y, n in db.session.execute(
        select(key, label, year, func.count(Application.id))
        .join(Application, Application.meeting_id == Meeting.id)
        .where(Application.status != ApplicationStatus.DRAFT)
        .group_by(key, label, year)
    ):
        line(k, lab, y).applications = n

    # Delegates offered, accepted, attended; States; gender; statements.
    attended = Award.status == AwardStatus.ATTENDED
    for row in db.session.execute(
        select(
            key,
            label,
            year,
            func.count(sa.case((Award.offered_at.is_not(None), 1))),
            func.count(sa.case((Award.status.in_(ACCEPTED), 1))),
            func.count(sa.case((attended, 1))),
            func.count(sa.case((Award.status == AwardStatus.NO_SHOW, 1))),
            func.count(sa.distinct(sa.case((attended, State.id)))),
            func.count(
                sa.distinct(sa.case((attended & State.article5_deadline.is_not(None), State.id)))
            ),
            func.count(
                sa.distinct(
                    sa.case((attended & State.article4_stockpile_pending.is_(True), State.id))
                )
            ),
            func.count(sa.case((attended & (Delegate.gender == Gender.FEMALE), 1))),
            func.count(sa.case((attended & (Delegate.gender == Gender.MALE), 1))),
            func.count(
                sa.case((attended & Delegate.gender.in_((Gender.OTHER, Gender.UNDISCLOSED)), 1))
            ),
            func.count(sa.case((DelegateReport.statement_delivered.is_(True), 1))),
        )
        .select_from(Award)
        .join(Delegate, Delegate.id == Award.delegate_id)
        .join(Application, Application.id == Delegate.application_id)
        .join(Meeting, Meeting.id == Application.meeting_id)
        .join(State, State.id == Application.state_id)
        .outerjoin(DelegateReport, DelegateReport.award_id == Award.id)
        .group_by(key, label, year)
    ):
        ln = line(*row[:3])
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
        ) = row[3:]

    # Costs: estimated for the accepted delegates, actual as paid.
    for k, lab, y, est, act in db.session.execute(
        select(
            key,
            label,
            year,
            func.coalesce(
                func.sum(
                    sa.case(
                        (
                            (AwardCostLine.stage == CostStage.ESTIMATE)
                            & Award.status.in_(ACCEPTED),
                            AwardCostLine.amount,
                        ),
                        else_=0,
                    )
                ),
                0,
            ),
            func.coalesce(
                func.sum(
                    sa.case(
                        (AwardCostLine.stage == CostStage.ACTUAL, AwardCostLine.amount), else_=0
                    )
                ),
                0,
            ),
        )
        .select_from(AwardCostLine)
        .join(Award, Award.id == AwardCostLine.award_id)
        .join(Delegate, Delegate.id == Award.delegate_id)
        .join(Application, Application.id == Delegate.application_id)
        .join(Meeting, Meeting.id == Application.meeting_id)
        .group_by(key, label, year)
    ):
        ln = line(k, lab, y)
        ln.estimated, ln.actual = _d(est), _d(act)

    # Donors and their shares: the allocation rows still holding money.
    for k, lab, y, donor, amount in db.session.execute(
        select(key, label, year, Donor.name, func.sum(Allocation.amount))
        .select_from(Allocation)
        .join(Contribution, Contribution.id == Allocation.contribution_id)
        .join(Donor, Donor.id == Contribution.donor_id)
        .join(Award, Award.id == Allocation.award_id)
        .join(Delegate, Delegate.id == Award.delegate_id)
        .join(Application, Application.id == Delegate.application_id)
        .join(Meeting, Meeting.id == Application.meeting_id)
        .where(Allocation.status.in_(HELD))
        .group_by(key, label, year, Donor.name)
        .order_by(Donor.name)
    ):
        ln = line(k, lab, y)
        ln.donors[donor] = _d(amount)
        ln.funded += _d(amount)

    return sorted(result.values(), key=lambda ln: (ln.year, ln.label), reverse=True)


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

_cache: dict[tuple, tuple] = {}
_cache_lock = threading.Lock()


def cached_lines(level: str = "meeting") -> list[Line]:
    """`lines(level)`, reused while nothing was written and it is young enough.
    The lines are shared between requests: read them, never change them."""
    max_age = current_app.config.get("PROGRAMME_REPORT_CACHE_SECONDS", 0)
    if max_age <= 0:
        return lines(level)
    key = (str(db.engine.url), level)
    marker, now = data_version.current(db.session), time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None and marker is not None and hit[0] == marker and now - hit[1] < max_age:
        return hit[2]
    result = lines(level)
    with _cache_lock:
        _cache[key] = (marker, now, result)
    return result
