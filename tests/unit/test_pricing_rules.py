"""Rules of pricing that a mutation run found unguarded (tests/mutation): the award
reference, small and zero amounts, the terminal-expenses boundary and the fares' audit.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from sponsorship.core.errors import DomainError
from sponsorship.models import AuditEvent, CostKind, MeetingKind, RegionalGroup
from sponsorship.review.pricing import (
    Line,
    estimate,
    fare_table,
    price,
    quote,
    reference_for,
    update_fares,
)
from tests.factories import (
    ApplicationFactory,
    DelegateFactory,
    MeetingFactory,
    StateFactory,
    UserFactory,
)

D = Decimal
STARTS = date(2026, 6, 15)


def _delegate(meeting=None):
    meeting = meeting or MeetingFactory()
    application = ApplicationFactory(
        meeting=meeting, state=StateFactory(regional_group=RegionalGroup.AFRICAN)
    )
    return DelegateFactory(application=application)


def _amounts(q) -> dict:
    return {line.kind: line.amount for line in q.lines}


def test_reference_carries_the_meetings_number(db):
    """Rule: an award's reference names the meeting by kind and number (MSP22), so
    references of two meetings in one year never collide."""
    meeting = MeetingFactory(
        kind=MeetingKind.MSP, number=22, starts_on=STARTS, ends_on=STARTS + timedelta(days=4)
    )
    delegate = _delegate(meeting)
    db.session.flush()
    assert reference_for(delegate) == f"SP-{meeting.year}-MSP22-{delegate.id:05d}"


@pytest.mark.parametrize("airfare", ["0", "0.50", "1"])
def test_quote_accepts_a_zero_or_small_airfare(db, airfare):
    """Rule: only negative amounts are refused: a free or cheap ticket is priced as is."""
    q = quote(_delegate(), airfare=D(airfare))
    assert _amounts(q)[CostKind.AIRFARE] == D(airfare)
    assert not q.airfare_from_table


@pytest.mark.parametrize(("visa", "line"), [("0.50", True), ("1", True), ("0", False)])
def test_quote_visa_fee_of_any_positive_amount_is_a_line(db, visa, line):
    """Rule: a typed visa fee is priced, however small; no fee (or zero) is no line."""
    q = quote(_delegate(), airfare=D(100), visa=D(visa))
    assert (CostKind.VISA in _amounts(q)) is line
    if line:
        assert _amounts(q)[CostKind.VISA] == D(visa)


def test_quote_negative_visa_fee_is_refused_by_name(db):
    """Rule: a negative fee is refused, saying which amount is wrong."""
    with pytest.raises(DomainError, match="visa fee cannot be negative"):
        quote(_delegate(), airfare=D(100), visa=D("-0.01"))


@pytest.mark.parametrize(("terminal", "line"), [("0.01", True), ("0", False)])
def test_estimate_terminal_expenses_boundary(app, terminal, line):
    """Rule: terminal expenses are a line whenever the meeting pays any."""
    with app.test_request_context():
        q = estimate(
            starts_on=STARTS,
            ends_on=STARTS,
            dsa_rate=D(1),
            terminal_expenses=D(terminal),
            airfare=D(1),
        )
    assert (CostKind.TERMINAL in _amounts(q)) is line
    assert q.total == D(2) + (D(terminal) if line else 0)


def test_line_description_is_cut_to_what_the_column_holds():
    """Rule: a cost line's description fits its column (200 characters)."""
    columns = Line(CostKind.VISA, "x" * 250, D(2), D("1.25")).columns()
    assert columns["description"] == "x" * 200
    assert (columns["quantity"], columns["unit_amount"], columns["amount"]) == (
        D(2),
        D("1.25"),
        D("2.50"),
    )


def test_price_audit_records_nights_and_where_the_airfare_came_from(db):
    """Rule: the price's audit says how it was reached, not only the total."""
    delegate = _delegate()
    award = price(UserFactory(), delegate, airfare=D(700))
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "award.price", AuditEvent.object_id == award.id
        )
    )
    assert event.after["airfare_from_table"] is False
    assert event.after["nights"] == 1  # the factory meeting's one session
    assert event.before == {"total": "0", "lines": []}


def test_update_fares_counts_and_audits_only_changes(db):
    """Rule: setting a fare to what it is changes nothing; each change is audited with
    the fare before and after; a negative fare is refused and nothing is set."""
    admin = UserFactory()
    assert update_fares(admin, {RegionalGroup.AFRICAN: D(900)}) == 1
    assert update_fares(admin, {RegionalGroup.AFRICAN: D(900)}) == 0
    assert (
        update_fares(
            admin, {RegionalGroup.AFRICAN: D(950), RegionalGroup.LATIN_AMERICAN_CARIBBEAN: None}
        )
        == 1
    )
    with pytest.raises(DomainError, match="fare cannot be negative"):
        update_fares(
            admin, {RegionalGroup.WESTERN_EUROPEAN_OTHERS: D(5), RegionalGroup.AFRICAN: D(-1)}
        )
    assert fare_table() == {RegionalGroup.AFRICAN: D(950)}
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "airfare.update").order_by(AuditEvent.id)
    ).all()
    amounts = [(e.before["amount"], e.after["amount"]) for e in events]
    assert [tuple(a and D(a) for a in pair) for pair in amounts] == [
        (None, D(900)),
        (D(900), D(950)),
    ]
    assert update_fares(admin, {RegionalGroup.AFRICAN: None}) == 1
    assert fare_table() == {}
