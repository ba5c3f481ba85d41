"""A donor's report: its own money in detail, computed by SQL aggregates.

Money attributed to a donor is its allocation rows that still hold money
(committed or spent); released rows are the money returned by declines and
reconciliation. Every total therefore reconciles with the ledger.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from sponsorship.core import money
from sponsorship.core.paging import Paged, page_window
from sponsorship.extensions import db
from sponsorship.models import (
    AwardStatus,
    Contribution,
    ContributionStatus,
    Donor,
)
from sponsorship.reporting.donor_sql import (
    CODES,
    COUNTS,
    LATEST,
    MOVES,
    NO_THEME,
    OUTCOMES,
    QUOTED,
    awards_page_statement,
    awards_statement,
    summary_statement,
)


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
    #: The alpha-2 codes of the States reached (for the map).
    codes: set[str] = field(default_factory=set)
    #: The latest reports whose comments may be quoted (`QUOTES_SHOWN` at most).
    quoted: list[int] = field(default_factory=list)

    def awards_by_meeting(self) -> list[tuple[str, list[FundedAward]]]:
        """The awards grouped by meeting, latest meeting first (the awards' order)."""
        return [
            (meeting, list(rows))
            for (meeting, _year), rows in groupby(self.awards, key=lambda a: (a.meeting, a.year))
        ]


def _d(value) -> Decimal:
    return Decimal(value or 0)


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
        returned = summary(donor_id).returned
    return Totals(_d(row[0]), _d(row[1]), _d(row[2]), _d(row[3]), returned)


@dataclass(frozen=True)
class ReportCounts:
    """What the States' post-meeting reports on the donor's delegates record."""

    people: int
    reports: int
    statements: int
    article5: int
    article4: int


@dataclass(frozen=True)
class Summary:
    """Everything `summary` reads in its one statement."""

    breakdowns: dict[str, list[Row]]
    #: Delegates per award status (the outcomes).
    statuses: list[Row]
    counts: ReportCounts
    #: Money returned by declines and reconciliation.
    returned: Decimal
    #: Money spent on delegates who attended.
    spent_attended: Decimal
    #: The alpha-2 codes of the States reached (the map's countries are named by them).
    codes: set[str]
    #: The ids of the donor's latest awards, as many as `summary` was asked for.
    latest: list[int]
    #: The ids of the latest reports whose comments may be quoted, the latest first.
    quoted: list[int]


def summary(
    donor_id: int, latest: int = 0, dims: Iterable[str] | None = None, quotes: int = 0
) -> Summary:
    """The breakdowns by `dims` (every dimension if None), the outcomes, the reports'
    counts, the money moved, the States' codes, the ids of the `latest` latest awards
    and of the `quotes` latest quotable reports, in one statement.

    The donor's awards are joined once (a CTE), grouped per dimension, and the groups
    stacked with UNION ALL: one round trip, and the donor's allocations read once for
    every figure instead of once per figure (four statements that each joined the
    donor's awards took about 40 ms on PostgreSQL at twenty years of data).

    Every dimension but "theme" partitions the awards, so its rows add up to the
    donor's held money. A delegate serves every theme of the sessions its
    application names, so under "theme" it counts once per theme (and under
    NO_THEME when none is named): those rows add up to more than the total.
    """
    wanted = set(DIMENSIONS if dims is None else dims)
    # In DIMENSIONS' order: one statement per set of dimensions, whatever their order.
    dims = tuple(d for d in DIMENSIONS if d in wanted)
    result: dict[str, list[tuple]] = {dim: [] for dim in (*dims, OUTCOMES, MOVES)}
    counts: dict[str, int] = {}
    codes: set[str] = set()
    chosen: list[int] = []
    quoted: list[tuple[int, int]] = []
    params = {"donor_id": donor_id, "latest": latest, "quotes": quotes}
    for dim, key, label, order, n, amount in db.session.execute(summary_statement(dims), params):
        if dim == COUNTS:
            counts[key] = int(n or 0)
        elif dim == LATEST:
            chosen.append(int(key))
        elif dim == QUOTED:
            quoted.append((n, int(key)))
        elif dim == CODES:
            codes = {code for code in (label or "").split(",") if code}
        else:
            if dim == "theme" and key == NO_THEME:
                label = str(_l("No session named"))
            result[dim].append((order, Row(key, label, n, _d(amount))))
    grouped = {
        dim: [row for _, row in sorted(rows, key=lambda r: r[0])] for dim, rows in result.items()
    }
    moved = {r.key: r.amount for r in grouped.pop(MOVES)}
    return Summary(
        breakdowns={dim: grouped[dim] for dim in dims},
        statuses=grouped[OUTCOMES],
        counts=ReportCounts(*(counts.get(name, 0) for name in ReportCounts.__dataclass_fields__)),
        returned=moved.get("returned", Decimal(0)),
        spent_attended=moved.get("attended", Decimal(0)),
        codes=codes,
        latest=chosen,
        quoted=[report_id for _rank, report_id in sorted(quoted)],
    )


def breakdowns(donor_id: int) -> dict[str, list[Row]]:
    """Delegates and money per value of each dimension (see `summary`)."""
    return summary(donor_id).breakdowns


def outcomes(found: Summary) -> Outcomes:
    """Delegates funded, attending, missing; statements; money spent on attendance."""
    count = {r.key: r.delegates for r in found.statuses}
    return Outcomes(
        sum(count.values()),
        count.get(AwardStatus.ATTENDED.value, 0),
        count.get(AwardStatus.NO_SHOW.value, 0),
        found.counts.statements,
        found.spent_attended,
    )


def funded_awards(donor_id: int, chosen: list[int] | None = None) -> list[FundedAward]:
    """The awards the donor's money funds, the latest meeting first; only those whose
    ids are `chosen`, if given. Never any contact or passport data."""
    params = {"donor_id": donor_id, "chosen": chosen or []}
    return _funded_rows(db.session.execute(awards_statement(chosen is not None), params))


@dataclass(frozen=True)
class AwardsPage(Paged):
    """One page of the awards the donor's money funds, and how many there are."""

    awards: list[FundedAward]
    total: int
    page: int
    pages: int


def funded_awards_page(donor_id: int, page: int, per_page: int) -> AwardsPage:
    """The `page`-th `per_page` of `funded_awards` (the asked page brought within
    the pages there are), in one statement that also counts them all."""
    page = max(1, page)
    params = {"donor_id": donor_id, "limit": per_page, "offset": (page - 1) * per_page}
    rows = db.session.execute(awards_page_statement(), params).all()
    if not rows and page > 1:  # past the last page: show the last one
        total = funded_awards_page(donor_id, 1, per_page).total
        return funded_awards_page(donor_id, page_window(total, per_page, page)[0], per_page)
    total = rows[0][-1] if rows else 0
    return AwardsPage(
        _funded_rows(row[:-1] for row in rows), total, *page_window(total, per_page, page)
    )


def _funded_rows(rows) -> list[FundedAward]:
    """`FundedAward`s from rows of `awards_statement`'s columns."""
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
        ) in rows
    ]


def _text(value) -> str:
    """An enum column's value as its stored text."""
    return str(getattr(value, "value", value))


#: Delegates' words quoted at most in a donor's report, the latest reports first.
QUOTES_SHOWN = 4

DIMENSIONS = ("meeting", "year", "state", "region", "gender", "theme", "first_time")
#: Dimensions whose rows partition the awards (and so add up to the donor's money).
PARTITIONS = tuple(d for d in DIMENSIONS if d != "theme")


def donor_report(
    donor: Donor, award_limit: int | None = None, dims: Iterable[str] | None = None
) -> DonorReport:
    """The donor's report; with `award_limit`, only that many of the latest awards;
    with `dims`, only those breakdowns."""
    found = summary(donor.id, latest=award_limit or 0, dims=dims, quotes=QUOTES_SHOWN)
    return DonorReport(
        donor=donor,
        totals=totals(donor.id, found.returned),
        outcomes=outcomes(found),
        breakdowns=found.breakdowns,
        awards=funded_awards(donor.id, found.latest if award_limit else None),
        counts=found.counts,
        codes=found.codes,
        quoted=found.quoted,
    )
