"""What a donor's page leads with: headline figures, a trend, the States reached,
outcomes in the Convention's terms and, with consent, delegates' own words.

Every figure here is read from the donor's report (reporting/donor.py, including its
counts of what the States' post-meeting reports record and the map's country codes),
so the cards, the charts, the tables and the exports cannot disagree. Only the quotes
are read here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

import sqlalchemy as sa
from sqlalchemy import select

from sponsorship.extensions import db
from sponsorship.models import (
    Application,
    Award,
    Delegate,
    Meeting,
    State,
)
from sponsorship.models.reports import DelegateReport
from sponsorship.reporting.donor import DonorReport, Row
from sponsorship.reporting.donor_sql import held_awards

#: A quote is cut at a word boundary after this many characters ("short quotes").
QUOTE_LENGTH = 280
#: Quotes shown at most, the latest reports first.
QUOTES_SHOWN = 4


@dataclass(frozen=True)
class Reached:
    """A State the donor's money reached: its code, name, delegates and money."""

    iso3: str
    name: str
    delegates: int
    amount: Decimal


@dataclass(frozen=True)
class Quote:
    text: str
    state: str
    meeting: str
    year: int


@dataclass(frozen=True)
class Highlights:
    received: Decimal
    used: Decimal
    spent: Decimal
    available: Decimal
    people: int
    participations: int
    states: int
    women: int
    first_timers: int
    reports: int
    statements: int
    article5: int
    article4: int
    #: (year, participations, money) per year, oldest first.
    trend: list[tuple[str, int, Decimal]] = field(default_factory=list)
    reached: list[Reached] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)


def shorten(text: str, limit: int = QUOTE_LENGTH) -> str:
    """`text` on one line, cut after a word when longer than `limit` (with an ellipsis)."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "…"


def quotes(donor_id: int, limit: int = QUOTES_SHOWN) -> list[Quote]:
    """Comments from the post-meeting reports on the donor's delegates whose State
    agreed to their being quoted: never a name, only the State and the meeting."""
    rows = db.session.execute(_quotes_statement(), {"donor_id": donor_id, "limit": limit})
    return [
        Quote(shorten(text), iso3, title, starts.year)
        for text, iso3, title, starts in rows
        if text and text.strip()
    ]


@cache
def _quotes_statement():
    """`quotes`' statement, built once per process (the donor is a bind parameter)."""
    held = held_awards(sa.bindparam("donor_id", type_=sa.Integer))
    return (
        select(DelegateReport.comments, State.iso3, Meeting.title, Meeting.starts_on)
        .select_from(held)
        .join(DelegateReport, DelegateReport.award_id == held.c.award_id)
        .join(Award, Award.id == held.c.award_id)
        .join(Delegate, Delegate.id == Award.delegate_id)
        .join(Application, Application.id == Delegate.application_id)
        .join(Meeting, Meeting.id == Application.meeting_id)
        .join(State, State.id == Application.state_id)
        .where(DelegateReport.quote_consent.is_(True), DelegateReport.comments.is_not(None))
        .order_by(DelegateReport.submitted_at.desc(), DelegateReport.id.desc())
        .limit(sa.bindparam("limit", type_=sa.Integer))
    )


def reached(states: list[Row]) -> list[Reached]:
    """The States of the breakdown `states`, the most money first."""
    return sorted(
        (Reached(r.key, r.label, r.delegates, r.amount) for r in states),
        key=lambda s: (-s.amount, s.name),
    )


def highlights(report: DonorReport) -> Highlights:
    """The donor page's headline figures, from `report` and one more statement (the quotes)."""
    t, b, counts = report.totals, report.breakdowns, report.counts
    states = b.get("state", [])
    first = {r.key: r.delegates for r in b.get("first_time", [])}
    genders = {r.key: r.delegates for r in b.get("gender", [])}
    return Highlights(
        received=t.received,
        used=t.committed + t.spent,
        spent=t.spent,
        available=t.available,
        people=counts.people,
        participations=report.outcomes.funded,
        states=len(states),
        women=genders.get("female", 0),
        first_timers=first.get("True", 0),
        reports=counts.reports,
        statements=counts.statements,
        article5=counts.article5,
        article4=counts.article4,
        trend=sorted((r.key, r.delegates, r.amount) for r in b.get("year", [])),
        reached=reached(states),
        quotes=quotes(report.donor.id),
    )
