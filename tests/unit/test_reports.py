"""Report figures reconcile with the ledger's allocation rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from sponsorship.models import Allocation, AllocationStatus, Contribution, Donor
from sponsorship.services import ledger, reports_donor, reports_programme
from tests.factories import ContributionFactory, DonorFactory, MeetingFactory, UserFactory
from tests.unit.test_ledger import award_for

D = Decimal
HELD = (AllocationStatus.COMMITTED, AllocationStatus.SPENT)


def _ledger(donor_id: int, statuses=HELD) -> Decimal:
    from sponsorship.extensions import db

    return D(
        db.session.scalar(
            select(func.coalesce(func.sum(Allocation.amount), 0))
            .join(Allocation.contribution)
            .where(Contribution.donor_id == donor_id, Allocation.status.in_(statuses))
        )
    )


def _assert_reconciles(db) -> int:
    donors = db.session.scalars(select(Donor)).all()
    grand = D(0)
    for donor in donors:
        report = reports_donor.donor_report(donor)
        held = _ledger(donor.id)
        grand += held
        t = report.totals
        assert t.committed + t.spent == held
        assert t.returned == _ledger(donor.id, (AllocationStatus.RELEASED,))
        for dim, rows in report.breakdowns.items():
            assert sum((r.amount for r in rows), D(0)) == held, dim
            assert sum(r.delegates for r in rows) == report.outcomes.funded, dim
        assert sum((a.amount for a in report.awards), D(0)) == held
        assert len(report.awards) == report.outcomes.funded
    programme = reports_programme.lines("meeting")
    assert sum((ln.funded for ln in programme), D(0)) == grand == reports_programme.ledger_total()
    years = reports_programme.lines("year")
    assert sum((ln.funded for ln in years), D(0)) == grand
    for ln in programme:
        assert sum(ln.donors.values(), D(0)) == ln.funded
        if ln.funded:
            assert abs(sum(s for _, _, s in reports_programme.shares(ln)) - 100) < 1
    return len(donors)


def test_demo_reports_reconcile_with_the_ledger(db, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert _assert_reconciles(db) >= 1
    norway = db.session.scalar(select(Donor).where(Donor.name.ilike("%norway%")))
    report = reports_donor.donor_report(norway)
    assert report.outcomes.funded > 0
    assert report.totals.received > 0
    meetings = reports_programme.lines("meeting")
    assert any(ln.attended and ln.no_show for ln in meetings) or any(ln.attended for ln in meetings)


@pytest.mark.parametrize("seed", [1, 2])
def test_generated_reports_reconcile_with_the_ledger(db, seed):
    admin = UserFactory()
    donors = [DonorFactory() for _ in range(3)]
    for n, donor in enumerate(donors):
        ContributionFactory(donor=donor, amount=D("2500.00") + n * seed)
    meetings = [MeetingFactory() for _ in range(2)]
    awards = [award_for(str(D("700.00") + i * seed), meeting=meetings[i % 2]) for i in range(8)]
    for award in awards:
        ledger.allocate(award, admin)
    for award in awards[::3]:
        ledger.release(award, admin, reason="declined")
    assert _assert_reconciles(db) == 3


def test_funded_awards_never_carry_contact_or_passport_data(db):
    fields = set(reports_donor.FundedAward.__dataclass_fields__)
    assert not fields & {"name", "email", "phone", "passport_number", "passport_expiry"}


def test_pledged_total_leaves_out_unconverted_foreign_pledges(db):
    donor = DonorFactory()
    ContributionFactory(donor=donor, amount=Decimal("1000.00"))
    ContributionFactory(
        donor=donor,
        currency="CHF",
        amount=Decimal("250.00"),
        status="pledged",
        exchange_rate=None,
        rate_date=None,
        base_amount=None,
        received_on=None,
    )
    ContributionFactory(
        donor=donor,
        currency="NOK",
        amount=Decimal("500000.00"),
        status="pledged",
        exchange_rate=None,
        rate_date=None,
        base_amount=None,
        received_on=None,
    )
    db.session.flush()
    assert reports_donor.totals(donor.id).pledged == Decimal("1250.00")
