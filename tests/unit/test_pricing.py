"""Pricing an award: DSA x nights from the sessions attended, airfare typed or from the table."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from sponsorship.core.errors import DomainError
from sponsorship.core.workflow import transition
from sponsorship.documents.context import COST_KINDS
from sponsorship.models import (
    AuditEvent,
    AwardStatus,
    CostKind,
    CostStage,
    MeetingKind,
    MeetingSession,
    RegionalGroup,
    Theme,
)
from sponsorship.review.pricing import (
    estimate,
    fare_table,
    price,
    quote,
    reference,
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


@pytest.fixture
def meeting(db):
    m = MeetingFactory(sessions=[])
    m.sessions = [
        MeetingSession(title=f"S{n}", theme=Theme.GENERAL, held_on=m.starts_on + timedelta(days=n))
        for n in range(4)
    ]
    db.session.flush()
    return m


def delegate_for(meeting, region=RegionalGroup.AFRICAN, sessions=None):
    application = ApplicationFactory(meeting=meeting, state=StateFactory(regional_group=region))
    if sessions is not None:
        application.sessions = sessions
    return DelegateFactory(application=application)


def amounts(q) -> dict:
    return {line.kind: line.amount for line in q.lines}


def test_quote_whole_meeting_without_sessions_chosen(db, meeting):
    update_fares(UserFactory(), {RegionalGroup.AFRICAN: D("1450.00")})
    q = quote(delegate_for(meeting))
    assert q.nights == 4
    assert amounts(q) == {
        CostKind.AIRFARE: D("1450.00"),
        CostKind.DSA: D("1648.00"),
        CostKind.TERMINAL: D("200.00"),
    }
    assert q.total == D("3298.00")
    assert q.airfare_from_table


def test_quote_nights_follow_application_sessions(db, meeting):
    d = delegate_for(meeting, sessions=meeting.sessions[1:3])
    q = quote(d, airfare=D("900"))
    assert (q.nights, q.first_day, q.last_day) == (
        2,
        meeting.sessions[1].held_on,
        meeting.sessions[2].held_on,
    )
    assert amounts(q)[CostKind.DSA] == D("824.00")


def test_quote_chosen_sessions_override_application(db, meeting):
    d = delegate_for(meeting, sessions=meeting.sessions)
    q = quote(d, session_ids=[meeting.sessions[0].id], airfare=D("900"), visa=D("60.50"))
    assert q.nights == 1
    assert amounts(q)[CostKind.VISA] == D("60.50")
    assert not q.airfare_from_table


def test_quote_typed_airfare_beats_table(db, meeting):
    update_fares(UserFactory(), {RegionalGroup.AFRICAN: D("1450.00")})
    assert amounts(quote(delegate_for(meeting), airfare=D("1234.56")))[CostKind.AIRFARE] == D(
        "1234.56"
    )


def test_quote_without_fare_or_airfare_is_refused(db, meeting):
    with pytest.raises(DomainError, match="airfare"):
        quote(delegate_for(meeting, region=RegionalGroup.ASIA_PACIFIC))


def test_quote_session_of_other_meeting_is_refused(db, meeting):
    other = MeetingFactory()
    with pytest.raises(DomainError):
        quote(delegate_for(meeting), session_ids=[other.sessions[0].id], airfare=D(1))


def test_quote_dsa_in_other_currency_is_refused(db, meeting):
    meeting.dsa_currency = "USD"
    with pytest.raises(DomainError, match="USD"):
        quote(delegate_for(meeting), airfare=D(1))


def test_quote_negative_airfare_is_refused(db, meeting):
    with pytest.raises(DomainError):
        quote(delegate_for(meeting), airfare=D("-1"))


def test_price_creates_award_with_estimate_lines_and_audit(db, meeting):
    admin = UserFactory()
    d = delegate_for(meeting)
    award = price(admin, d, airfare=D("1000"))
    assert award.status == AwardStatus.PENDING
    assert award.reference == reference_for(d)
    assert award.total(CostStage.ESTIMATE) == D("1000") + D("1648.00") + D("200.00")
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "award.price", AuditEvent.object_id == award.id
        )
    )
    assert event.actor_id == admin.id
    assert Decimal(event.after["total"]) == D("2848")


def test_price_again_replaces_estimate_lines(db, meeting):
    admin = UserFactory()
    d = delegate_for(meeting)
    price(admin, d, airfare=D("1000"))
    award = price(admin, d, airfare=D("500"), session_ids=[meeting.sessions[0].id])
    estimates = [line for line in award.cost_lines if line.stage == CostStage.ESTIMATE]
    assert len(estimates) == 3
    assert award.total() == D("500") + D("412.00") + D("200.00")


def test_price_offered_award_is_refused(db, meeting):
    admin = UserFactory()
    d = delegate_for(meeting)
    award = price(admin, d, airfare=D("1000"))
    transition(award, AwardStatus.OFFERED, admin)
    db.session.commit()
    with pytest.raises(DomainError):
        price(admin, d, airfare=D("10"))
    assert award.total() == D("2848.00")


def test_update_fares_sets_and_removes(db):
    admin = UserFactory()
    assert update_fares(admin, {RegionalGroup.AFRICAN: D("1450"), RegionalGroup.NONE: None}) == 1
    assert update_fares(admin, {RegionalGroup.AFRICAN: D("1450")}) == 0
    assert update_fares(admin, {RegionalGroup.AFRICAN: None}) == 1


def test_update_fares_is_one_transaction(db):
    """A refused fare refuses the whole table: the fares before it are not saved."""
    admin = UserFactory()
    db.session.commit()
    with pytest.raises(DomainError):
        update_fares(admin, {RegionalGroup.AFRICAN: D("1450"), RegionalGroup.NONE: D("-1")})
    assert fare_table() == {}


def test_every_kind_of_cost_can_be_printed_in_a_letter():
    # The letter's snapshot keeps the kinds as strings (it never imports the models); a
    # kind added to the enum must be added there too, or its letters would be refused.
    assert {kind.value for kind in CostKind} <= set(COST_KINDS)


def test_estimate_over_plain_values_prices_the_days_served(app):
    starts = date(2026, 6, 15)
    q = estimate(
        starts_on=starts,
        ends_on=starts + timedelta(days=4),
        dsa_rate=D("412.00"),
        terminal_expenses=D("200.00"),
        days=[starts + timedelta(days=2), starts + timedelta(days=1)],
        fare=D("1450.00"),
    )
    assert (q.nights, q.first_day, q.last_day) == (
        2,
        starts + timedelta(days=1),
        starts + timedelta(days=2),
    )
    assert q.airfare_from_table
    assert amounts(q) == {
        CostKind.AIRFARE: D("1450.00"),
        CostKind.DSA: D("824.00"),
        CostKind.TERMINAL: D("200.00"),
    }
    typed = estimate(
        starts_on=starts,
        ends_on=starts,
        dsa_rate=D(1),
        terminal_expenses=D(0),
        airfare=D(9),
        fare=D(1),
    )
    assert not typed.airfare_from_table and amounts(typed) == {
        CostKind.AIRFARE: D(9),
        CostKind.DSA: D(1),
    }
    with pytest.raises(DomainError):
        estimate(starts_on=starts, ends_on=starts, dsa_rate=D(1), terminal_expenses=D(0))


def test_reference_from_plain_values():
    assert reference(MeetingKind.MSP, 2026, 22, 7) == "SP-2026-MSP22-00007"
    assert reference("intersessional", 2026, None, 123456) == "SP-2026-IS-123456"
