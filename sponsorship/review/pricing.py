"""Pricing one delegate's award: the estimate the ledger commits when it is offered.

An award covers (SPEC section 1) an economy return ticket, the UN daily subsistence
allowance (DSA) for the nights of the meeting, terminal expenses and sometimes a visa:

* **DSA**: the meeting's rate x nights. The nights run from the eve of the first
  session the delegate attends to the eve of the day after the last one, so a
  delegate who attends sessions on 16 and 17 June is paid the nights of the 15th
  and 16th... and the 17th: (last - first) + 1 nights. Without a choice of sessions,
  the sessions the application serves count; without those, the whole meeting.
* **Airfare**: the amount the administrator types (a quote), or else the fare table's
  amount for the departure region (the regional group of the delegate's State).
* **Terminal expenses**: the meeting's flat amount.
* **Visa**: when a fee is typed.

Every amount is in the base currency; a meeting whose DSA is set in another currency
cannot be priced until its rate is given in the base currency.

**Partial sponsorship.** An award may cover only some kinds of cost (`kinds`): the
ticket only, the DSA only (with the terminal expenses when chosen), or everything (the
default). A kind left out is not priced at all, so the fund never commits it; a share
the State or another body pays of what *is* priced is declared apart
(`review.cofunding`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from sponsorship.core import money
from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError
from sponsorship.core.transaction import retried, unit_of_work
from sponsorship.extensions import db
from sponsorship.models import (
    Airfare,
    Application,
    Award,
    AwardCostLine,
    AwardStatus,
    CostKind,
    CostStage,
    Delegate,
    Meeting,
    MeetingKind,
    MeetingSession,
    RegionalGroup,
    User,
)
from sponsorship.models.base import utcnow

#: An award may be (re)priced while nothing is committed to it.
PRICEABLE = frozenset({AwardStatus.PENDING, AwardStatus.WAITLISTED})
#: The kinds of cost pricing can include; all of them unless told otherwise.
PRICED_KINDS = frozenset({CostKind.AIRFARE, CostKind.DSA, CostKind.TERMINAL, CostKind.VISA})


@dataclass(frozen=True)
class Line:
    kind: CostKind
    description: str
    quantity: Decimal
    unit_amount: Decimal

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.unit_amount

    def columns(self) -> dict:
        """The line as the columns of an `AwardCostLine` (without its stage)."""
        return {
            "kind": self.kind,
            "description": self.description[:200],
            "quantity": self.quantity,
            "unit_amount": self.unit_amount,
            "amount": self.amount,
        }


@dataclass(frozen=True)
class Quote:
    lines: tuple[Line, ...]
    nights: int
    first_day: date
    last_day: date
    #: True when the airfare came from the fare table rather than typed.
    airfare_from_table: bool

    @property
    def total(self) -> Decimal:
        return money.total(self.lines)


def _money(value: Decimal | None, what: str) -> Decimal | None:
    if value is None:
        return None
    value = Decimal(value)
    if value < 0:
        raise DomainError(_("%(what)s cannot be negative.", what=what))
    return value


def fare_table() -> dict[RegionalGroup, Decimal]:
    return {row.region: row.amount for row in db.session.scalars(select(Airfare))}


def nights(starts_on: date, ends_on: date, days: Iterable[date]) -> tuple[int, date, date]:
    """DSA nights for the days of the sessions attended (the whole meeting when there
    are none): (nights, first day, last day)."""
    days = sorted(days)
    first, last = (days[0], days[-1]) if days else (starts_on, ends_on)
    return (last - first).days + 1, first, last


def nights_for(meeting: Meeting, sessions: Iterable[MeetingSession]) -> tuple[int, date, date]:
    """DSA nights for the sessions attended (the whole meeting when there are none)."""
    return nights(meeting.starts_on, meeting.ends_on, (s.held_on for s in sessions))


def estimate(
    *,
    starts_on: date,
    ends_on: date,
    dsa_rate: Decimal,
    terminal_expenses: Decimal,
    days: Iterable[date] = (),
    airfare: Decimal | None = None,
    fare: Decimal | None = None,
    visa: Decimal | None = None,
    kinds: frozenset[CostKind] = PRICED_KINDS,
) -> Quote:
    """The pricing rule over plain values: the meeting's dates, DSA rate (in the base
    currency) and terminal expenses, the days of the sessions served, the typed airfare
    or else the departure region's `fare` from the fare table, and a visa fee; only the
    cost `kinds` the award covers. Reads nothing; the amounts are trusted to be checked."""
    kinds = frozenset(kinds) & PRICED_KINDS
    if not kinds:
        raise DomainError(_("Choose at least one kind of cost the sponsorship covers."))
    n, first, last = nights(starts_on, ends_on, days)
    from_table = airfare is None
    if CostKind.AIRFARE not in kinds:
        airfare = None
    elif from_table:
        if fare is None:
            raise DomainError(
                _("Type the airfare: the fare table has no fare for this region yet.")
            )
        airfare = fare
    lines = []
    if CostKind.AIRFARE in kinds:
        ticket = _("Economy return ticket (fare table)") if from_table else None
        lines.append(
            Line(CostKind.AIRFARE, ticket or _("Economy return ticket"), Decimal(1), airfare)
        )
    if CostKind.DSA in kinds:
        lines.append(
            Line(
                CostKind.DSA,
                _("DSA, %(num)d night(s) at the meeting's rate", num=n),
                Decimal(n),
                dsa_rate,
            )
        )
    if CostKind.TERMINAL in kinds and terminal_expenses > 0:
        lines.append(Line(CostKind.TERMINAL, _("Terminal expenses"), Decimal(1), terminal_expenses))
    if CostKind.VISA in kinds and visa:
        lines.append(Line(CostKind.VISA, _("Visa fee"), Decimal(1), visa))
    return Quote(tuple(lines), n, first, last, from_table and CostKind.AIRFARE in kinds)


def quote(
    delegate: Delegate,
    *,
    session_ids: Iterable[int] | None = None,
    airfare: Decimal | None = None,
    visa: Decimal | None = None,
    fares: Mapping[RegionalGroup, Decimal] | None = None,
    kinds: frozenset[CostKind] = PRICED_KINDS,
) -> Quote:
    """What the delegate's award would cost; reads, writes nothing."""
    application = delegate.application
    meeting = application.meeting
    base = current_app.config["BASE_CURRENCY"]
    if meeting.dsa_currency != base:
        raise DomainError(
            _(
                "The DSA of this meeting is in %(currency)s: set it in %(base)s before pricing.",
                currency=meeting.dsa_currency,
                base=base,
            )
        )
    airfare = _money(airfare, _("The airfare"))
    visa = _money(visa, _("The visa fee"))
    if session_ids is None:
        sessions = list(application.sessions) or list(meeting.sessions)
    else:
        wanted = set(session_ids)
        sessions = [s for s in meeting.sessions if s.id in wanted]
        if len(sessions) != len(wanted):
            raise DomainError(_("Choose sessions of this meeting."))
    fare = None
    if airfare is None and CostKind.AIRFARE in kinds:
        fare = (fare_table() if fares is None else fares).get(application.state.regional_group)
    return estimate(
        starts_on=meeting.starts_on,
        ends_on=meeting.ends_on,
        dsa_rate=meeting.dsa_rate,
        terminal_expenses=meeting.terminal_expenses,
        days=[s.held_on for s in sessions],
        airfare=airfare,
        fare=fare,
        visa=visa,
        kinds=kinds,
    )


#: The meeting's part of an award's reference.
MEETING_CODES = {
    MeetingKind.MSP: "MSP",
    MeetingKind.INTERSESSIONAL: "IS",
    MeetingKind.REVIEW_CONFERENCE: "RC",
}


def reference(kind: MeetingKind | str, year: int, number: int | None, delegate_id: int) -> str:
    """An award's reference from plain values: SP-<year>-<meeting>-<delegate>."""
    return f"SP-{year}-{MEETING_CODES[MeetingKind(kind)]}{number or ''}-{delegate_id:05d}"


def reference_for(delegate: Delegate) -> str:
    """A human reference printed on letters: SP-<year>-<meeting>-<delegate>."""
    meeting = delegate.application.meeting
    return reference(meeting.kind, meeting.year, meeting.number, delegate.id)


def hold_application(delegate: Delegate) -> None:
    """Make decisions on the delegate's application take turns; first thing inside
    `unit_of_work()`, before the delegate's award or the application is read.

    On PostgreSQL this is the application's row lock; on SQLite the transaction's
    IMMEDIATE write lock already serialises. What is read after it is what the previous
    decision left: two administrators pricing one delegate at the same moment make one
    award, not a duplicate (a 500), a price never lands on an award offered meanwhile,
    and the application's status moves once.
    """
    db.session.execute(
        select(Application.id).where(Application.id == delegate.application_id).with_for_update()
    )


def ensure_award(delegate: Delegate) -> Award:
    """The delegate's award, created (pending, unpriced) if it has none yet. No commit."""
    if delegate.award is not None:
        return delegate.award
    award = Award(delegate=delegate, reference=reference_for(delegate))
    db.session.add(award)
    db.session.flush()
    return award


def _snapshot(award: Award) -> dict:
    return {
        "total": award.total(CostStage.ESTIMATE),
        "lines": [
            {"kind": line.kind, "amount": line.amount}
            for line in award.cost_lines
            if line.stage == CostStage.ESTIMATE
        ],
    }


def apply_quote(award: Award, q: Quote, actor: User | None) -> None:
    """Replace the award's estimate lines by the quote's; audited, not committed."""
    if award.status not in PRICEABLE:
        raise DomainError(
            _(
                "An award can be priced only before it is offered (now: %(status)s).",
                status=award.status.value,
            )
        )
    if award.cofunded_amount and q.total <= award.cofunded_amount:
        raise DomainError(
            _(
                "The new price (%(total)s) would not exceed the share paid by %(by)s:"
                " change the co-funding first.",
                total=money.display(q.total),
                by=award.cofunded_by or "",
            )
        )
    before = _snapshot(award)
    for line in [line for line in award.cost_lines if line.stage == CostStage.ESTIMATE]:
        award.cost_lines.remove(line)
    for line in q.lines:
        award.cost_lines.append(AwardCostLine(stage=CostStage.ESTIMATE, **line.columns()))
    record(
        actor,
        "award.price",
        award,
        before=before,
        after={**_snapshot(award), "nights": q.nights, "airfare_from_table": q.airfare_from_table},
    )


@retried
def price(
    actor: User | None,
    delegate: Delegate,
    *,
    session_ids: Iterable[int] | None = None,
    airfare: Decimal | None = None,
    visa: Decimal | None = None,
    kinds: frozenset[CostKind] = PRICED_KINDS,
) -> Award:
    """Price the delegate's award (creating it if needed) and commit. One transaction,
    taking its turn with other decisions on the application."""
    with unit_of_work():
        hold_application(delegate)
        award = ensure_award(delegate)
        q = quote(delegate, session_ids=session_ids, airfare=airfare, visa=visa, kinds=kinds)
        apply_quote(award, q, actor)
    return award


def update_fares(actor: User, fares: Mapping[RegionalGroup, Decimal | None]) -> int:
    """Set (or, with None, remove) the fare of each region given; audited. Returns changes.
    One transaction: a refused fare changes none."""
    with unit_of_work():
        rows = {row.region: row for row in db.session.scalars(select(Airfare))}
        changed = 0
        for region, amount in fares.items():
            amount = _money(amount, _("A fare"))
            row = rows.get(region)
            before = row.amount if row else None
            if amount == before:
                continue
            if row is None:
                row = Airfare(region=region)
            if amount is not None:
                row.amount, row.updated_at, row.updated_by_id = amount, utcnow(), actor.id
            # Added once complete: reading `actor.id` may load it (the unit of work began
            # with a commit), and that load would flush a row without its amount.
            db.session.add(row)
            db.session.flush()
            record(
                actor,
                "airfare.update",
                row,
                before={"region": region, "amount": before},
                after={"region": region, "amount": amount},
            )
            if amount is None:
                db.session.delete(row)
            changed += 1
    return changed
