"""Report figures reconcile with the ledger's allocation rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from sponsorship.models import Allocation, AllocationStatus, Contribution, Donor
from sponsorship.reporting import donor as reports_donor
from sponsorship.reporting import programme as reports_programme
from tests.factories import ContributionFactory, DonorFactory
from tests.report_data import generated_programme

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


def _themes_from_rows(donor_id: int) -> dict[str, tuple[int, Decimal]]:
    """The theme breakdown recomputed in Python from the allocation rows and the
    sessions each application names (a delegate counts under each of its themes)."""
    from sponsorship.extensions import db
    from sponsorship.models import Award

    per_award: dict[int, Decimal] = {}
    for a in db.session.scalars(
        select(Allocation)
        .join(Allocation.contribution)
        .where(Contribution.donor_id == donor_id, Allocation.status.in_(HELD))
    ):
        per_award[a.award_id] = per_award.get(a.award_id, D(0)) + a.amount
    result: dict[str, tuple[int, Decimal]] = {}
    for award_id, amount in per_award.items():
        application = db.session.get(Award, award_id).delegate.application
        for theme in {s.theme.value for s in application.sessions} or {reports_donor.NO_THEME}:
            n, total = result.get(theme, (0, D(0)))
            result[theme] = (n + 1, total + amount)
    return result


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
        for dim in reports_donor.PARTITIONS:
            rows = report.breakdowns[dim]
            assert sum((r.amount for r in rows), D(0)) == held, dim
            assert sum(r.delegates for r in rows) == report.outcomes.funded, dim
        assert {r.key: (r.delegates, r.amount) for r in report.breakdowns["theme"]} == (
            _themes_from_rows(donor.id)
        )
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
    generated_programme(seed)
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


def test_cached_programme_lines_refresh_after_a_committed_write(db, app, monkeypatch):
    from sponsorship.funding import ledger

    monkeypatch.setitem(app.config, "PROGRAMME_REPORT_CACHE_SECONDS", 3600)
    made = generated_programme(1)
    first = reports_programme.cached_lines("year")
    assert reports_programme.cached_lines("year") is first
    # Declining an offer releases money through the ledger, which commits a write.
    # (The third award still holds money: the first of each three was released, the
    # second reconciled.)
    assert ledger.release(made["awards"][2], made["admin"], reason="declined") > 0
    fresh = reports_programme.cached_lines("year")
    assert fresh is not first
    assert sum((ln.funded for ln in fresh), D(0)) == reports_programme.ledger_total()
    assert sum((ln.funded for ln in fresh), D(0)) < sum((ln.funded for ln in first), D(0))


def test_charts_draw_the_largest_bars_and_the_rest_as_one():
    from sponsorship.reporting import charts as reports_charts

    items = [(f"S{i}", i) for i in range(40)]
    drawn = reports_charts.largest(items, "Others")
    assert len(drawn) == reports_charts.MAX_BARS
    assert drawn[-1] == ("Others", sum(range(40 - reports_charts.MAX_BARS + 1)))
    assert sum(v for _, v in drawn) == sum(range(40))
    assert reports_charts.largest(items[:5], "Others") == items[:5]


def _counts_one_by_one(db, donor_id: int) -> reports_donor.ReportCounts:
    """ReportCounts recomputed in Python from the awards the donor's money holds."""
    from sponsorship.models import Award, DelegateReport, Theme

    held = {
        a.award_id
        for a in db.session.scalars(
            select(Allocation)
            .join(Allocation.contribution)
            .where(Contribution.donor_id == donor_id, Allocation.status.in_(HELD))
        )
    }
    awards = [db.session.get(Award, award_id) for award_id in held]
    reports = db.session.scalars(
        select(DelegateReport).where(DelegateReport.award_id.in_(held))
    ).all()
    delivered = [r for r in reports if r.statement_delivered]

    def presented(theme):
        return sum(1 for r in delivered if any(s.theme == theme for s in r.sessions))

    return reports_donor.ReportCounts(
        people=len({a.delegate.person_id or -a.delegate.id for a in awards}),
        reports=len(reports),
        statements=len(delivered),
        article5=presented(Theme.MINE_CLEARANCE),
        article4=presented(Theme.STOCKPILE_DESTRUCTION),
    )


def test_report_counts_equal_the_reports_counted_one_by_one(db, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    found = []
    for donor in db.session.scalars(select(Donor)):
        counts = reports_donor.summary(donor.id).counts
        assert counts == _counts_one_by_one(db, donor.id), donor.name
        found.append(counts)
    assert any(c.statements and c.article5 for c in found)  # the demo has some of each


@pytest.mark.parametrize("seed", [1, 2])
def test_report_with_an_award_limit_lists_the_latest_awards_of_the_full_report(db, seed):
    generated_programme(seed)
    for donor in db.session.scalars(select(Donor)):
        every = reports_donor.donor_report(donor).awards
        assert len(every) >= 2
        for limit in (1, len(every) - 1, len(every) + 1):
            limited = reports_donor.donor_report(donor, award_limit=limit).awards
            assert limited == every[:limit], (donor.name, limit)


def test_highlights_from_their_breakdowns_alone_equal_the_full_reports(db, runner):
    """The dashboard asks only for the breakdowns its highlights read
    (HIGHLIGHTED): a dimension they read and it forgot would show as zero."""
    from sponsorship.reporting import donor_highlights

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    found = []
    for donor in db.session.scalars(select(Donor)):
        full = donor_highlights.highlights(reports_donor.donor_report(donor))
        lean = reports_donor.donor_report(donor, dims=donor_highlights.HIGHLIGHTED)
        assert set(lean.breakdowns) == set(donor_highlights.HIGHLIGHTED)
        assert donor_highlights.highlights(lean) == full, donor.name
        found.append(full)
    # Each figure read from a breakdown is somewhere not zero, or the test proves nothing.
    assert all(any(getattr(h, name) for h in found) for name in ("women", "first_timers", "states"))
    assert any(h.trend for h in found)
