"""Donors and contributions: pledged, received at a stated rate, edited without rewriting
history; and the books check that proves the ledger balances."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from sponsorship.core.errors import DomainError
from sponsorship.funding import balances, ledger
from sponsorship.funding.contributions import (
    DonorDetails,
    Earmarks,
    Receipt,
    cancel_pledge,
    create_donor,
    receive,
    record_contribution,
    update_contribution,
    update_donor,
)
from sponsorship.models import (
    Allocation,
    AuditEvent,
    Contribution,
    ContributionStatus,
    MeetingKind,
    Theme,
)
from tests.factories import (
    AwardCostLineFactory,
    ContributionFactory,
    DonorFactory,
    MeetingFactory,
    UserFactory,
)

D = Decimal


@pytest.fixture
def admin(db):
    return UserFactory()


def pledge(admin, donor, **overrides) -> Contribution:
    values = {
        "donor_id": donor.id,
        "reference": "NO-2026-01",
        "currency": "NOK",
        "amount": D("500000.00"),
        "pledged_on": date(2026, 1, 10),
    }
    return record_contribution(admin, **{**values, **overrides})


def test_create_donor_then_edit_is_audited(db, admin):
    donor = create_donor(admin, DonorDetails(name=" Norway ", short_name="NO", country_iso3="nor"))
    assert (donor.name, donor.country_iso3) == ("Norway", "NOR")
    update_donor(admin, donor.id, DonorDetails(name="Norway", short_name="NOR-MFA"))
    assert donor.short_name == "NOR-MFA" and donor.country_iso3 is None
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "Donor").order_by(AuditEvent.id)
    ).all()
    assert actions == ["donor.create", "donor.update"]


def test_create_donor_with_a_taken_name_is_refused(db, admin):
    DonorFactory(name="Germany")
    db.session.commit()
    with pytest.raises(DomainError, match="already exists"):
        create_donor(admin, DonorDetails(name="germany"))
    with pytest.raises(DomainError, match="three letters"):
        create_donor(admin, DonorDetails(name="Atlantis", country_iso3="ATLA"))


def test_pledge_then_receive_stores_amount_rate_date_and_base(db, admin):
    c = pledge(admin, DonorFactory())
    assert c.status == ContributionStatus.PLEDGED and c.base_amount is None
    receive(
        admin,
        c.id,
        Receipt(
            received_on=date(2026, 2, 14),
            exchange_rate=D("0.07923456"),
            rate_date=date(2026, 2, 13),
            amount=D("499850.00"),  # bank charges
        ),
    )
    db.session.expire_all()
    c = db.session.get(Contribution, c.id)
    assert c.status == ContributionStatus.RECEIVED
    assert (c.amount, c.exchange_rate, c.rate_date) == (
        D("499850.00"),
        D("0.07923456"),
        date(2026, 2, 13),
    )
    # 499850 x 0.07923456 = 39605.392776, to the centime.
    assert c.base_amount == D("39605.39")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "contribution.receive"))
    assert event.before["amount"] == "500000.0000"
    assert event.after["base_amount"] == "39605.39"


def test_record_contribution_received_at_once(db, admin):
    c = pledge(
        admin,
        DonorFactory(),
        currency="CHF",
        amount=D("60000.00"),
        receipt=Receipt(date(2026, 3, 3), D("1"), date(2026, 3, 3)),
    )
    assert (c.status, c.base_amount) == (ContributionStatus.RECEIVED, D("60000.00"))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"amount": D("0")}, "more than zero"),
        ({"amount": D("10.005")}, "at most 2 decimal places"),
        ({"currency": "JPY", "amount": D("1000.5")}, "at most 0 decimal places"),
        ({"currency": "XYZ"}, "Unknown currency"),
        ({"spend_by": date(2025, 1, 1)}, "before the pledge"),
    ],
)
def test_record_contribution_invalid_is_refused(db, admin, overrides, message):
    donor = DonorFactory()
    db.session.commit()
    with pytest.raises(DomainError, match=message):
        pledge(admin, donor, **overrides)
    assert db.session.scalar(select(func.count(Contribution.id))) == 0


def test_record_contribution_with_exclusive_earmarks_is_refused(db, admin):
    meeting = MeetingFactory(kind=MeetingKind.INTERSESSIONAL)
    donor = DonorFactory()
    db.session.commit()
    with pytest.raises(DomainError, match="exclude each other"):
        pledge(admin, donor, earmarks=Earmarks(meeting_id=meeting.id, meeting_kind=MeetingKind.MSP))


def test_record_contribution_duplicate_reference_is_refused(db, admin):
    donor = DonorFactory()
    db.session.commit()
    pledge(admin, donor)
    with pytest.raises(DomainError, match="already has this reference"):
        pledge(admin, donor)


@pytest.mark.parametrize(
    ("receipt", "message"),
    [
        (Receipt(date(2026, 3, 3), D("0.9"), date(2026, 3, 3)), "rate of 1"),
        (Receipt(date(2026, 3, 3), D("0"), date(2026, 3, 3)), "positive"),
        (Receipt(date(2026, 3, 3), D("1.000000001"), date(2026, 3, 3)), "8 decimals"),
        (Receipt(date(2026, 3, 3), D("1"), date(2026, 3, 4)), "after the money"),
    ],
)
def test_receive_invalid_rate_is_refused(db, admin, receipt, message):
    c = pledge(admin, DonorFactory(), currency="CHF", amount=D("100.00"))
    with pytest.raises(DomainError, match=message):
        receive(admin, c.id, receipt)
    assert db.session.get(Contribution, c.id).status == ContributionStatus.PLEDGED


def test_receive_twice_is_refused(db, admin):
    c = pledge(admin, DonorFactory(), currency="CHF", amount=D("100.00"))
    receive(admin, c.id, Receipt(date(2026, 3, 3), D("1"), date(2026, 3, 3)))
    with pytest.raises(DomainError, match="Only a pledged"):
        receive(admin, c.id, Receipt(date(2026, 3, 3), D("1"), date(2026, 3, 3)))


def test_pledged_money_is_not_available_until_received(db, admin):
    c = pledge(admin, DonorFactory(), currency="CHF", amount=D("5000.00"))
    award = AwardCostLineFactory().award
    db.session.commit()
    assert balances.available() == 0
    with pytest.raises(ledger.InsufficientFunds):
        ledger.allocate(award, admin)
    receive(admin, c.id, Receipt(date.today(), D("1"), date.today()))
    ledger.allocate(award, admin)
    assert balances.available() == D(4000)


def test_cancel_pledge_only_while_pledged(db, admin):
    c = pledge(admin, DonorFactory())
    cancel_pledge(admin, c.id, reason="budget cut")
    assert c.status == ContributionStatus.CANCELLED
    with pytest.raises(DomainError, match="Only a pledged"):
        cancel_pledge(admin, c.id)


def test_update_contribution_earmarks_refused_once_money_is_used(db, admin):
    c = ContributionFactory()
    award = AwardCostLineFactory().award
    db.session.commit()
    update_contribution(
        admin,
        c.id,
        reference="RENAMED",
        earmarks=Earmarks(theme=Theme.MINE_CLEARANCE),
        spend_by=None,
        notes="for Article 5",
    )
    assert (c.reference, c.earmark_theme) == ("RENAMED", Theme.MINE_CLEARANCE)
    update_contribution(
        admin, c.id, reference="RENAMED", earmarks=Earmarks(), spend_by=None, notes=None
    )
    ledger.allocate(award, admin)
    with pytest.raises(DomainError, match="Earmarks cannot change"):
        update_contribution(
            admin,
            c.id,
            reference="RENAMED",
            earmarks=Earmarks(year=2030),
            spend_by=None,
            notes=None,
        )
    # What does not touch the use of the money can still change.
    update_contribution(
        admin, c.id, reference="RENAMED-2", earmarks=Earmarks(), spend_by=None, notes="ok"
    )
    assert c.reference == "RENAMED-2"


# --- The books check -------------------------------------------------------------------


def test_funds_check_on_demo_data_exits_zero(db, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    result = runner.invoke(args=["funds", "check"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-2:] == [
        "5 contributions checked, 0 with mismatches.",
        "Spend without its approvals: 0.",
    ]
    assert all(line.startswith("OK ") for line in lines[:-2])
    # The demo's money moved through the engine, by its rules and with its audit trail.
    assert db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "ledger.commit")
    ) == db.session.scalar(select(func.count(Allocation.id)).where(Allocation.amount > 0)) - (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.action == "ledger.release",
                AuditEvent.after["reason"].as_string() == "unspent",
            )
        )
        or 0
    )


@pytest.mark.parametrize(
    "tamper",
    [
        sa.update(Allocation)
        .where(Allocation.id == sa.select(func.min(Allocation.id)).scalar_subquery())
        .values(amount=Allocation.amount + 1),
        sa.update(Contribution)
        .where(Contribution.reference == "CH-2025-01")
        .values(spent=Contribution.spent + 1),
        sa.update(Contribution)
        .where(Contribution.reference == "NO-2025-01")
        .values(base_amount=Contribution.base_amount + 1),
    ],
    ids=["allocation row", "running balance", "base amount"],
)
def test_funds_check_after_tampering_exits_non_zero(db, runner, tamper):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    db.session.execute(tamper.execution_options(synchronize_session=False))
    db.session.commit()
    result = runner.invoke(args=["funds", "check"])
    assert result.exit_code == 1
    assert "1 with mismatches" in result.output
    # A spent row made larger is also spend beyond its award's approved costs (issue 22).
    bad = [line for line in result.output.splitlines() if line.startswith("BAD")]
    assert len([line for line in bad if not line.startswith("BAD award ")]) == 1
