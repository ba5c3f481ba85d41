"""A donor's report: its own money in detail, computed by SQL aggregates.

Money attributed to a donor is its allocation rows that still hold money
(committed or spent); released rows are the money returned by declines and
reconciliation. Every total therefore reconciles with the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from sponsorship.extensions import db
from sponsorship.models import (
    Allocation,
    AllocationStatus,
    Application,
    Award,
    AwardStatus,
    Contribution,
    ContributionStatus,
    Delegate,
    Donor,
    Meeting,
    MeetingSession,
    State,
    application_sessions,
)
from sponsorship.models.reports import DelegateReport

HELD = (AllocationStatus.COMMITTED, AllocationStatus.SPENT)


@dataclass(frozen=True)
class Totals:
    pledged: Decimal
    received: Decimal
    committed: Decimal
    spent: Decimal
    returned: Decimal

    @property
    def available(self) -> Decimal:
        return self.received - self.committed - self.spent


@dataclass(frozen=True)
class Row:
    """One line of a breakdown: a label, delegates funded and money used."""

    key: str
    label: str
    delegates: int
    amount: Decimal


@dataclass(frozen=True)
class Outcomes:
    funded: int
    attended: int
    no_show: int
    statements: int
    spent: Decimal

    @property
    def cost_per_delegate(self) -> Decimal | None:
        if not self.attended:
            return None
        return (self.spent / self.attended).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class FundedAward:
    reference: str
    state: str
    function: str
    gender: str
    meeting: str
    year: int
    status: str
    amount: Decimal


@dataclass
class DonorReport:
    donor: Donor
    totals: Totals
    outcomes: Outcomes
    breakdowns: dict[str, list[Row]] = field(default_factory=dict)
    awards: list[FundedAward] = field(default_factory=list)


def _d(value) -> Decimal:
    return Decimal(value or 0)


def totals(donor_id: int) -> Totals:
    base_currency = current_app.config["BASE_CURRENCY"]
    received_only = Contribution.status == ContributionStatus.RECEIVED
    row = db.session.execute(
        select(
            func.coalesce(
                func.sum(
                    sa.case(
                        (
                            Contribution.status != ContributionStatus.CANCELLED,
                            # A pledge has no rate until received: only a pledge made in
                            # the base currency can be counted in it; others show in the
                            # contributions table in their own currency.
                            func.coalesce(
                                Contribution.base_amount,
                                sa.case(
                                    (Contribution.currency == base_currency, Contribution.amount),
                                    else_=0,
                                ),
                            ),
                        ),
                        else_=0,
                    )
                ),
                0,
            ),
            func.coalesce(func.sum(sa.case((received_only, Contribution.base_amount), else_=0)), 0),
            func.coalesce(func.sum(Contribution.committed), 0),
            func.coalesce(func.sum(Contribution.spent), 0),
        ).where(Contribution.donor_id == donor_id)
    ).one()
    returned = db.session.scalar(
        select(func.coalesce(func.sum(Allocation.amount), 0))
        .join(Allocation.contribution)
        .where(
            Contribution.donor_id == donor_id,
            Allocation.status == AllocationStatus.RELEASED,
        )
    )
    return Totals(_d(row[0]), _d(row[1]), _d(row[2]), _d(row[3]), _d(returned))


def _held(donor_id: int):
    """Per award: the donor's money held on it (one row per award)."""
    return (
        select(
            Allocation.award_id.label("award_id"),
            func.sum(Allocation.amount).label("amount"),
        )
        .join(Contribution, Contribution.id == Allocation.contribution_id)
        .where(Contribution.donor_id == donor_id, Allocation.status.in_(HELD))
        .group_by(Allocation.award_id)
        .subquery()
    )


def _joined(held):
    return (
        select()
        .select_from(held)
        .join(Award, Award.id == held.c.award_id)
        .join(Delegate, Delegate.id == Award.delegate_id)
        .join(Application, Application.id == Delegate.application_id)
        .join(Meeting, Meeting.id == Application.meeting_id)
        .join(State, State.id == Application.state_id)
    )


#: The key of the theme row for delegates whose application names no session.
NO_THEME = "none"


def _themes():
    """(application, theme) once per theme of the sessions the application serves."""
    return (
        select(
            application_sessions.c.application_id.label("application_id"),
            MeetingSession.theme.label("theme"),
        )
        .join(MeetingSession, MeetingSession.id == application_sessions.c.session_id)
        .distinct()
        .subquery()
    )


def breakdown(donor_id: int, dimension: str) -> list[Row]:
    """Delegates and money per value of `dimension`.

    Every dimension but "theme" partitions the awards, so its rows add up to the
    donor's held money. A delegate serves every theme of the sessions its
    application names, so under "theme" it counts once per theme (and under
    NO_THEME when none is named): those rows add up to more than the total.
    """
    held = _held(donor_id)
    if dimension == "theme":
        themes = _themes()
        # Read the stored value as text: NO_THEME is not a member of the Theme enum.
        theme = func.coalesce(sa.type_coerce(themes.c.theme, sa.String), NO_THEME)
        stmt = (
            _joined(held)
            .outerjoin(themes, themes.c.application_id == Application.id)
            .add_columns(
                theme.label("k"), func.count().label("n"), func.sum(held.c.amount).label("a")
            )
            .group_by(theme)
            .order_by(theme)
        )
        return [
            Row(str(k), str(_l("No session named")) if k == NO_THEME else str(k), n, _d(amount))
            for k, n, amount in db.session.execute(stmt)
        ]
    year = func.extract("year", Meeting.starts_on)
    columns = {
        "meeting": (Meeting.id, Meeting.title),
        "year": (year, year),
        "state": (State.iso3, State.name),
        "region": (State.regional_group, State.regional_group),
        "gender": (Delegate.gender, Delegate.gender),
        "first_time": (Delegate.first_time, Delegate.first_time),
    }
    key, label = columns[dimension]
    stmt = (
        _joined(held)
        .add_columns(
            key.label("k"),
            label.label("l"),
            func.count().label("n"),
            func.sum(held.c.amount).label("amount"),
        )
        .group_by(key, label)
        .order_by(key)
    )
    rows = []
    for k, lab, n, amount in db.session.execute(stmt):
        if dimension == "year":
            k = lab = int(k)
        rows.append(
            Row(str(getattr(k, "value", k)), str(getattr(lab, "value", lab)), n, _d(amount))
        )
    return rows


def outcomes(donor_id: int) -> Outcomes:
    held = _held(donor_id)
    row = db.session.execute(
        select(
            func.count(),
            func.count(sa.case((Award.status == AwardStatus.ATTENDED, 1))),
            func.count(sa.case((Award.status == AwardStatus.NO_SHOW, 1))),
            func.count(sa.case((DelegateReport.statement_delivered.is_(True), 1))),
        )
        .select_from(held)
        .join(Award, Award.id == held.c.award_id)
        .outerjoin(DelegateReport, DelegateReport.award_id == Award.id)
    ).one()
    spent = db.session.scalar(
        select(func.coalesce(func.sum(Allocation.amount), 0))
        .join(Allocation.contribution)
        .join(Award, Award.id == Allocation.award_id)
        .where(
            Contribution.donor_id == donor_id,
            Allocation.status == AllocationStatus.SPENT,
            Award.status == AwardStatus.ATTENDED,
        )
    )
    return Outcomes(row[0], row[1], row[2], row[3], _d(spent))


def funded_awards(donor_id: int, limit: int | None = None) -> list[FundedAward]:
    """The awards the donor's money funds: never any contact or passport data."""
    held = _held(donor_id)
    stmt = (
        _joined(held)
        .add_columns(
            Award.reference,
            State.name,
            Delegate.function,
            Delegate.gender,
            Meeting.title,
            Meeting.starts_on,
            Award.status,
            held.c.amount,
        )
        .order_by(Meeting.starts_on.desc(), Award.reference)
    )
    if limit:
        stmt = stmt.limit(limit)
    return [
        FundedAward(
            ref,
            state,
            function,
            str(getattr(gender, "value", gender)),
            title,
            starts.year,
            str(getattr(status, "value", status)),
            _d(amount),
        )
        for ref, state, function, gender, title, starts, status, amount in db.session.execute(stmt)
    ]


DIMENSIONS = ("meeting", "year", "state", "region", "gender", "theme", "first_time")
#: Dimensions whose rows partition the awards (and so add up to the donor's money).
PARTITIONS = tuple(d for d in DIMENSIONS if d != "theme")


def donor_report(donor: Donor, award_limit: int | None = None) -> DonorReport:
    return DonorReport(
        donor=donor,
        totals=totals(donor.id),
        outcomes=outcomes(donor.id),
        breakdowns={dim: breakdown(donor.id, dim) for dim in DIMENSIONS},
        awards=funded_awards(donor.id, award_limit),
    )


@dataclass(frozen=True)
class AllocationLine:
    """One allocation of a contribution: which award, how much, and where it stands."""

    reference: str
    state: str
    meeting: str
    award_status: str
    status: str
    amount: Decimal


def own_contribution(donor_id: int, contribution_id: int) -> Contribution | None:
    """The contribution if it is this donor's; None for another donor's or none at all,
    so a donor cannot even learn that another's contribution exists."""
    return db.session.scalar(
        select(Contribution).where(
            Contribution.id == contribution_id, Contribution.donor_id == donor_id
        )
    )


def allocation_lines(contribution_id: int) -> list[AllocationLine]:
    """Where a contribution's money went, award by award (no personal data)."""
    stmt = (
        select(
            Award.reference,
            State.name,
            Meeting.title,
            Award.status,
            Allocation.status,
            func.sum(Allocation.amount),
        )
        .select_from(Allocation)
        .join(Award, Award.id == Allocation.award_id)
        .join(Delegate, Delegate.id == Award.delegate_id)
        .join(Application, Application.id == Delegate.application_id)
        .join(Meeting, Meeting.id == Application.meeting_id)
        .join(State, State.id == Application.state_id)
        .where(Allocation.contribution_id == contribution_id)
        .group_by(
            Award.reference,
            State.name,
            Meeting.title,
            Meeting.starts_on,
            Award.status,
            Allocation.status,
        )
        .order_by(Meeting.starts_on.desc(), Award.reference, Allocation.status)
    )
    return [
        AllocationLine(ref, state, meeting, str(award_status), str(status), _d(amount))
        for ref, state, meeting, award_status, status, amount in db.session.execute(stmt)
    ]
