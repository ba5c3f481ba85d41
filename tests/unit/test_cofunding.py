"""Partial sponsorship, co-funding and pinning: which costs the fund pays, whose share
it never commits, and which contribution pays when an administrator chooses. Each test
names the rule it protects; money is checked through what the ledger commits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from sponsorship.core.errors import DomainError
from sponsorship.funding import ledger, waiting_list
from sponsorship.funding.ledger import InsufficientFunds
from sponsorship.models import (
    Allocation,
    AuditEvent,
    AwardStatus,
    Contribution,
    CostKind,
    RegionalGroup,
)
from sponsorship.review import cofunding
from sponsorship.review.pricing import apply_quote, estimate
from tests.factories import AwardCostLineFactory, MeetingFactory
from tests.unit.test_ledger import admin, award_for, committed_to, fund  # noqa: F401

D = Decimal
TODAY = date(2026, 3, 1)
MEETING = dict(
    starts_on=date(2026, 6, 15),
    ends_on=date(2026, 6, 17),
    dsa_rate=D("400"),
    terminal_expenses=D("100"),
)

# --- Which kinds of cost are priced ------------------------------------------------------


def test_estimate_ticket_only_prices_no_dsa_nor_terminal(app):
    """Rule: a kind left out is not priced, so the fund never commits it."""
    q = estimate(**MEETING, airfare=D("900"), kinds=frozenset({CostKind.AIRFARE}))
    assert [line.kind for line in q.lines] == [CostKind.AIRFARE]
    assert q.total == D("900")


def test_estimate_dsa_only_needs_no_fare(app):
    """Rule: without the ticket, a region with no fare in the table can still be priced."""
    q = estimate(**MEETING, fare=None, kinds=frozenset({CostKind.DSA, CostKind.TERMINAL}))
    assert {line.kind for line in q.lines} == {CostKind.DSA, CostKind.TERMINAL}
    assert q.total == D("1300") and not q.airfare_from_table


def test_estimate_full_is_the_default(app):
    q = estimate(**MEETING, airfare=D("900"))
    assert q.total == D("900") + 3 * D("400") + D("100")


def test_estimate_with_no_kind_is_refused(app):
    with pytest.raises(DomainError):
        estimate(**MEETING, airfare=D("900"), kinds=frozenset())


# --- Co-funding --------------------------------------------------------------------------


def test_cofunded_award_commits_only_the_funds_share(db, admin):  # noqa: F811
    """Rule: the share paid by the State is never the fund's money."""
    award = award_for("1000.00")
    fund("5000.00", reference="A")
    db.session.commit()
    cofunding.declare(admin, award, "Government of Testland", D("350.00"))
    funding = ledger.allocate(award, admin, on=TODAY)
    assert funding.amount == D("650.00")
    assert committed_to(award) == {"A": D("650.00")}
    assert db.session.scalar(select(Contribution.committed)) == D("650.00")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "award.cofunding"))
    assert D(event.after["fund_share"]) == D("650.00") and event.actor_id == admin.id


def test_cofunded_share_must_be_less_than_the_estimate_and_named(db, admin):  # noqa: F811
    award = award_for("1000.00")
    db.session.commit()
    for by, amount in (("State", D("1000.00")), ("State", D("-1")), (None, D("10"))):
        with pytest.raises(DomainError):
            cofunding.declare(admin, award, by, amount)
    db.session.expire_all()
    assert award.cofunded_amount == 0 and award.cofunded_by is None


def test_cofunding_after_the_offer_is_refused(db, admin):  # noqa: F811
    """Rule: once offered, the ledger committed the fund's share; it is fixed."""
    award = award_for("1000.00", status=AwardStatus.OFFERED)
    db.session.commit()
    with pytest.raises(DomainError):
        cofunding.declare(admin, award, "State", D("100"))


def test_repricing_to_no_more_than_the_cofunded_share_is_refused(db, admin):  # noqa: F811
    award = award_for("1000.00")
    db.session.commit()
    cofunding.declare(admin, award, "State", D("600.00"))
    cheap = estimate(**MEETING, airfare=D("500"), kinds=frozenset({CostKind.AIRFARE}))
    with pytest.raises(DomainError):
        apply_quote(award, cheap, admin)


def test_waiting_list_needs_only_the_funds_share(db, admin):  # noqa: F811
    meeting = MeetingFactory()
    award = award_for("1000.00", meeting=meeting, status=AwardStatus.WAITLISTED)
    db.session.commit()
    cofunding.declare(admin, award, "State", D("400.00"))
    [(_award, need)] = db.session.execute(waiting_list.waitlisted_with_needs(meeting)).all()
    assert need == D("600.00")


# --- Pinning to a contribution -----------------------------------------------------------


def test_pinned_award_is_paid_by_the_chosen_contribution(db, admin):  # noqa: F811
    """Rule: the rule would take the most restricted money; the administrator's pin
    takes the chosen one instead, audited."""
    meeting = MeetingFactory()
    award = award_for("1000.00", meeting=meeting)
    fund(reference="RESTRICTED", earmark_meeting=meeting)
    chosen = fund(reference="FLEXIBLE")
    db.session.commit()
    cofunding.pin(admin, award, chosen.id, on=TODAY)
    ledger.allocate(award, admin, on=TODAY)
    assert committed_to(award) == {"FLEXIBLE": D("1000.00")}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "award.pin"))
    assert event.after["contribution"] == "FLEXIBLE"


def test_pin_outside_the_earmarks_is_refused(db, admin):  # noqa: F811
    award = award_for("1000.00")  # a delegate of an African State (the factory's)
    elsewhere = fund(reference="ASIA", earmark_region=RegionalGroup.ASIA_PACIFIC)
    db.session.commit()
    with pytest.raises(DomainError):
        cofunding.pin(admin, award, elsewhere.id, on=TODAY)
    assert award.pinned_contribution_id is None


def test_pinned_contribution_that_cannot_cover_refuses_whole(db, admin):  # noqa: F811
    """Rule: a pin never quietly falls back to other money; all or nothing."""
    award = award_for("1000.00")
    small = fund("400.00", reference="SMALL")
    fund("5000.00", reference="OTHER")
    db.session.commit()
    cofunding.pin(admin, award, small.id, on=TODAY)
    with pytest.raises(InsufficientFunds):
        ledger.allocate(award, admin, on=TODAY)
    assert db.session.scalar(select(Allocation.id)) is None


def test_pin_no_longer_allowed_at_the_offer_is_refused(db, admin):  # noqa: F811
    """Rule: the ledger checks the earmarks again when committing (a spend-by passed)."""
    award = award_for("1000.00")
    soon = fund(reference="SOON", spend_by=date(2026, 3, 31))
    db.session.commit()
    cofunding.pin(admin, award, soon.id, on=TODAY)
    with pytest.raises(DomainError):
        ledger.allocate(award, admin, on=date(2026, 4, 1))
    assert db.session.scalar(select(Allocation.id)) is None


def test_unpinned_award_follows_the_ledgers_rule(db, admin):  # noqa: F811
    meeting = MeetingFactory()
    award = award_for("1000.00", meeting=meeting)
    fund(reference="RESTRICTED", earmark_meeting=meeting)
    flexible = fund(reference="FLEXIBLE")
    db.session.commit()
    cofunding.pin(admin, award, flexible.id, on=TODAY)
    cofunding.pin(admin, award, None, on=TODAY)
    ledger.allocate(award, admin, on=TODAY)
    assert committed_to(award) == {"RESTRICTED": D("1000.00")}


def test_pinned_award_repriced_by_cents_takes_them_from_its_contribution(db, admin):  # noqa: F811
    """Rule: a repricing of a pinned award commits the difference, however small, from
    the pinned contribution (never nothing, never more)."""
    award = award_for("1000.00")
    pinned = fund("5000.00", reference="PINNED")
    fund(reference="OTHER")
    db.session.commit()
    cofunding.pin(admin, award, pinned.id, on=TODAY)
    ledger.allocate(award, admin, on=TODAY)
    AwardCostLineFactory(award=award, unit_amount=D("0.50"))
    db.session.commit()
    assert ledger.allocate(award, admin, on=TODAY).amount == D("0.50")
    assert committed_to(award) == {"PINNED": D("0.50")}  # the last row: the difference
    assert pinned.available == D("3999.50")


def test_pin_no_longer_allowed_says_what_to_do(db, admin, app):  # noqa: F811
    """Rule: a refused pinned award tells the administrator to pin another contribution
    or remove the pin, and that nothing was committed."""
    award = award_for("1000.00")
    soon = fund(reference="SOON", spend_by=date(2026, 3, 31))
    db.session.commit()
    cofunding.pin(admin, award, soon.id, on=TODAY)
    with app.test_request_context(), pytest.raises(DomainError) as refused:
        ledger.allocate(award, admin, on=date(2026, 4, 1))
    assert str(refused.value) == (
        "The contribution this award is pinned to no longer allows it: pin another or"
        " remove the pin; nothing was committed."
    )
