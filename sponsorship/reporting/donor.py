"""A donor's report: its own money in detail, computed by SQL aggregates.

Money attributed to a donor is its allocation rows that still hold money
(committed or spent); released rows are the money returned by declines and
reconciliation. Every total therefore reconciles with the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from sponsorship.core import money
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
    Theme,
    application_sessions,
)
from sponsorship.models.reports import DelegateReport, delegate_report_sessions

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
        return money.quantize(self.spent / self.attended)


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
    iso3: str = ""
    region: str = ""
    first_time: bool | None = None
    #: Whether the State's post-meeting report came in, and what it says.
    reported: bool = False
    statement: bool | None = None


@dataclass
class DonorReport:
    donor: Donor
    totals: Totals
    outcomes: Outcomes
    breakdowns: dict[str, list[Row]] = field(default_factory=dict)
    awards: list[FundedAward] = field(default_factory=list)
    counts: ReportCounts | None = None

    def awards_by_meeting(self) -> list[tuple[str, list[FundedAward]]]:
        """The awards grouped by meeting, latest meeting first (the awards' order)."""
        return [
            (meeting, list(rows))
            for (meeting, _year), rows in groupby(self.awards, key=lambda a: (a.meeting, a.year))
        ]


def _d(value) -> Decimal:
    return Decimal(value or 0)


def _moves(donor_id: int) -> tuple[Decimal, Decimal]:
    """(money returned by declines and reconciliation, money spent on delegates who
    attended), from the donor's allocation rows in one pass."""
    released = Allocation.status == AllocationStatus.RELEASED
    spent_attended = (Allocation.status == AllocationStatus.SPENT) & (
        Award.status == AwardStatus.ATTENDED
    )
    row = db.session.execute(
        select(
            func.coalesce(func.sum(sa.case((released, Allocation.amount), else_=0)), 0),
            func.coalesce(func.sum(sa.case((spent_attended, Allocation.amount), else_=0)), 0),
        )
        .join(Contribution, Contribution.id == Allocation.contribution_id)
        .join(Award, Award.id == Allocation.award_id)
        .where(Contribution.donor_id == donor_id)
    ).one()
    return _d(row[0]), _d(row[1])


def totals(donor_id: int, returned: Decimal | None = None) -> Totals:
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
    if returned is None:
        returned = _moves(donor_id)[0]
    return Totals(_d(row[0]), _d(row[1]), _d(row[2]), _d(row[3]), returned)


def held_awards(donor_id: int):
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
#: The pseudo-dimension `breakdowns` counts the outcomes under: rows per award status.
OUTCOMES = "outcomes"


def breakdowns(donor_id: int) -> dict[str, list[Row]]:
    """Delegates and money per value of each dimension, in one statement.

    The donor's awards are joined once (a CTE), grouped per dimension, and the groups
    stacked with UNION ALL: one round trip instead of one per dimension (seven took
    about 210 ms on PostgreSQL at twenty years of data, this about 35 ms).

    Every dimension but "theme" partitions the awards, so its rows add up to the
    donor's held money. A delegate serves every theme of the sessions its
    application names, so under "theme" it counts once per theme (and under
    NO_THEME when none is named): those rows add up to more than the total.

    The same statement counts the delegates per award status, under the key OUTCOMES.
    """
    result: dict[str, list[tuple]] = {dim: [] for dim in (*DIMENSIONS, OUTCOMES)}
    parts = _breakdown_parts(_funded(donor_id))
    for dim, key, label, order, n, amount in db.session.execute(sa.union_all(*parts)):
        if dim == "theme" and key == NO_THEME:
            label = str(_l("No session named"))
        result[dim].append((order, Row(key, label, n, _d(amount))))
    return {
        dim: [row for _, row in sorted(rows, key=lambda r: r[0])] for dim, rows in result.items()
    }


def _funded(donor_id: int):
    """The donor's funded awards (a CTE): the money held on each, and every value
    `breakdowns` groups them by, as text."""
    held = held_awards(donor_id)
    year = sa.cast(sa.cast(func.extract("year", Meeting.starts_on), sa.Integer), sa.String)
    return (
        _joined(held)
        .add_columns(
            held.c.amount.label("amount"),
            Application.id.label("application_id"),
            sa.cast(Meeting.id, sa.String).label("meeting_id"),
            Meeting.title.label("meeting"),
            sa.cast(Meeting.starts_on, sa.String).label("starts_on"),
            year.label("year"),
            State.iso3.label("iso3"),
            State.name.label("state"),
            sa.type_coerce(State.regional_group, sa.String).label("region"),
            sa.type_coerce(Delegate.gender, sa.String).label("gender"),
            sa.case((Delegate.first_time.is_(True), "True"), else_="False").label("first_time"),
            sa.type_coerce(Award.status, sa.String).label("status"),
        )
        .cte("funded")
    )


def _group(funded, dim: str, key, label, order, total, *group_by):
    """One dimension's rows of `breakdowns`: (dim, k, l, o, n, a), where `o` sorts them
    and `a` sums `total` over each group's awards."""
    return (
        select(
            sa.literal(dim).label("dim"),
            key.label("k"),
            label.label("l"),
            order.label("o"),
            func.count().label("n"),
            func.sum(total).label("a"),
        )
        .select_from(funded)
        .group_by(*group_by)
    )


def _breakdown_parts(funded) -> list:
    """Every dimension's group over `funded`, the themes, and the outcomes."""
    f = funded.c
    # (dimension, key, label, sort key): the sort key orders meetings by date.
    groups = {
        "meeting": (f.meeting_id, f.meeting, f.starts_on),
        "year": (f.year, f.year, f.year),
        "state": (f.iso3, f.state, f.iso3),
        "region": (f.region, f.region, f.region),
        "gender": (f.gender, f.gender, f.gender),
        "first_time": (f.first_time, f.first_time, f.first_time),
    }
    parts = [
        _group(funded, dim, key, label, func.min(order), f.amount, key, label)
        for dim, (key, label, order) in groups.items()
    ]
    themes = (
        select(
            application_sessions.c.application_id.label("application_id"),
            sa.type_coerce(MeetingSession.theme, sa.String).label("theme"),
        )
        .join(MeetingSession, MeetingSession.id == application_sessions.c.session_id)
        .where(application_sessions.c.application_id.in_(select(f.application_id)))
        .distinct()
        .cte("themes")
    )
    theme = func.coalesce(themes.c.theme, NO_THEME)
    parts.append(
        _group(funded, "theme", theme, theme, theme, f.amount, theme).outerjoin(
            themes, themes.c.application_id == f.application_id
        )
    )
    # The outcomes: delegates per award status. Statements are counted by
    # `report_counts`: the union's "a" column is money (a scaled integer), which read
    # a count of 2 as 0.0002.
    parts.append(_group(funded, OUTCOMES, f.status, f.status, f.status, f.amount, f.status))
    return parts


@dataclass(frozen=True)
class ReportCounts:
    """What the States' post-meeting reports on the donor's delegates record."""

    people: int
    reports: int
    statements: int
    article5: int
    article4: int


def _presented(theme: Theme):
    """The report records a session of `theme` attended (a presentation, when the
    national statement was delivered)."""
    return (
        select(delegate_report_sessions.c.report_id)
        .join(MeetingSession, MeetingSession.id == delegate_report_sessions.c.session_id)
        .where(
            delegate_report_sessions.c.report_id == DelegateReport.id,
            MeetingSession.theme == theme,
        )
        .exists()
    )


def report_counts(donor_id: int) -> ReportCounts:
    """Distinct people, reports received, statements delivered, and Article 5 and
    Article 4 presentations (a statement by a delegate who attended a mine-clearance,
    or a stockpile-destruction, session) over the donor's funded awards: one statement."""
    held = held_awards(donor_id)
    delivered = DelegateReport.statement_delivered.is_(True)
    row = db.session.execute(
        select(
            # A person sponsored at three meetings is one person (sponsorship/people);
            # a delegate not yet linked to a person counts as one.
            func.count(sa.distinct(func.coalesce(Delegate.person_id, -Delegate.id))),
            func.count(DelegateReport.id),
            func.count(sa.case((delivered, 1))),
            func.count(sa.case((delivered & _presented(Theme.MINE_CLEARANCE), 1))),
            func.count(sa.case((delivered & _presented(Theme.STOCKPILE_DESTRUCTION), 1))),
        )
        .select_from(held)
        .join(Award, Award.id == held.c.award_id)
        .join(Delegate, Delegate.id == Award.delegate_id)
        .outerjoin(DelegateReport, DelegateReport.award_id == Award.id)
    ).one()
    return ReportCounts(*(int(v or 0) for v in row))


def outcomes(
    donor_id: int,
    rows: list[Row] | None = None,
    spent: Decimal | None = None,
    statements: int | None = None,
) -> Outcomes:
    """Delegates funded, attending, missing; statements; money spent on attendance."""
    if rows is None:
        rows = breakdowns(donor_id)[OUTCOMES]
    if spent is None:
        spent = _moves(donor_id)[1]
    if statements is None:
        statements = report_counts(donor_id).statements
    count = {r.key: r.delegates for r in rows}
    return Outcomes(
        sum(count.values()),
        count.get(AwardStatus.ATTENDED.value, 0),
        count.get(AwardStatus.NO_SHOW.value, 0),
        statements,
        spent,
    )


def funded_awards(donor_id: int, limit: int | None = None) -> list[FundedAward]:
    """The awards the donor's money funds: never any contact or passport data."""
    held = held_awards(donor_id)
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
            State.iso3,
            State.regional_group,
            Delegate.first_time,
            DelegateReport.id,
            DelegateReport.statement_delivered,
        )
        .outerjoin(DelegateReport, DelegateReport.award_id == Award.id)
        .order_by(Meeting.starts_on.desc(), Award.reference)
    )
    if limit:
        stmt = stmt.limit(limit)
    return [
        FundedAward(
            ref,
            state,
            function,
            _text(gender),
            title,
            starts.year,
            _text(status),
            _d(amount),
            iso3,
            _text(region),
            first_time,
            report_id is not None,
            statement if report_id is not None else None,
        )
        for (
            ref,
            state,
            function,
            gender,
            title,
            starts,
            status,
            amount,
            iso3,
            region,
            first_time,
            report_id,
            statement,
        ) in db.session.execute(stmt)
    ]


def _text(value) -> str:
    """An enum column's value as its stored text."""
    return str(getattr(value, "value", value))


DIMENSIONS = ("meeting", "year", "state", "region", "gender", "theme", "first_time")
#: Dimensions whose rows partition the awards (and so add up to the donor's money).
PARTITIONS = tuple(d for d in DIMENSIONS if d != "theme")


def donor_report(donor: Donor, award_limit: int | None = None) -> DonorReport:
    returned, spent = _moves(donor.id)
    grouped = breakdowns(donor.id)
    counts = report_counts(donor.id)
    return DonorReport(
        donor=donor,
        totals=totals(donor.id, returned),
        outcomes=outcomes(donor.id, grouped.pop(OUTCOMES), spent, counts.statements),
        breakdowns=grouped,
        awards=funded_awards(donor.id, award_limit),
        counts=counts,
    )
