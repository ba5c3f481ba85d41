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

#: The breakdowns `highlights` reads (the trend, the States, women, first-timers).
HIGHLIGHTED = ("year", "state", "gender", "first_time")
#: A quote is cut at a word boundary after this many characters ("short quotes").
QUOTE_LENGTH = 280


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


def quotes(report_ids: list[int]) -> list[Quote]:
    """The comments of the reports `report_ids` (the donor's report finds the latest
    whose State agreed to their being quoted), in that order: never a name, only the
    State and the meeting."""
    if not report_ids:
        return []
    rows = db.session.execute(_quotes_statement(), {"ids": report_ids})
    found = {report_id: row for report_id, *row in rows}
    return [
        Quote(shorten(text), iso3, title, starts.year)
        for text, iso3, title, starts in (found[i] for i in report_ids if i in found)
        if text and text.strip()
    ]


@cache
def _quotes_statement():
    """`quotes`' statement, built once per process (the reports are a bind parameter)."""
    return (
        select(
            DelegateReport.id, DelegateReport.comments, State.iso3, Meeting.title, Meeting.starts_on
        )
        .join(Award, Award.id == DelegateReport.award_id)
        .join(Delegate, Delegate.id == Award.delegate_id)
        .join(Application, Application.id == Delegate.application_id)
        .join(Meeting, Meeting.id == Application.meeting_id)
        .join(State, State.id == Application.state_id)
        .where(DelegateReport.id.in_(sa.bindparam("ids", expanding=True)))
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
        quotes=quotes(report.quoted),
    )
