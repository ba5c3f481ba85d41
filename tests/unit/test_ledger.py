"""The allocation engine: which money pays, in which order, all or nothing, and back."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from sponsorship.core.errors import DomainError
from sponsorship.core.transaction import unit_of_work
from sponsorship.funding import balances, books, earmarks, ledger, reconciliation, waiting_list
from sponsorship.funding.ledger import InsufficientFunds
from sponsorship.funding.reconciliation import Overspend
from sponsorship.models import (
    Allocation,
    AllocationStatus,
    AuditEvent,
    AwardStatus,
    Contribution,
    ConventionStatus,
    CostStage,
    MeetingKind,
    MeetingSession,
    RegionalGroup,
    Theme,
)
from tests.factories import (
    ApplicationFactory,
    AwardCostLineFactory,
    AwardFactory,
    ContributionFactory,
    DelegateFactory,
    MeetingFactory,
    StateFactory,
    UserFactory,
)

D = Decimal
TODAY = date(2026, 3, 1)


def award_for(
    cost: str = "1000.00",
    *,
    meeting=None,
    state=None,
    themes: tuple[Theme, ...] = (),
    status: AwardStatus = AwardStatus.PENDING,
):
    """A priced award; its application serves the meeting's sessions of `themes`."""
    meeting = meeting or MeetingFactory()
    state = state or StateFactory()
    application = ApplicationFactory(meeting=meeting, state=state)
    for theme in themes:
        session = next((s for s in meeting.sessions if s.theme == theme), None)
        if session is None:
            session = MeetingSession(title=str(theme), theme=theme, held_on=meeting.starts_on)
            meeting.sessions.append(session)
        application.sessions.append(session)
    award = AwardFactory(delegate=DelegateFactory(application=application), status=status)
    AwardCostLineFactory(award=award, unit_amount=D(cost))
    return award


def fund(amount: str = "10000.00", **kwargs) -> Contribution:
    return ContributionFactory(amount=D(amount), **kwargs)


def committed_to(award) -> dict[str, Decimal]:
    rows = db_rows(
        select(Contribution.reference, Allocation.amount)
        .join(Allocation.contribution)
        .where(Allocation.award_id == award.id, Allocation.status == AllocationStatus.COMMITTED)
        .order_by(Allocation.id)
    )
    return dict(rows)


def db_rows(stmt):
    from sponsorship.extensions import db

    return db.session.execute(stmt).all()


@pytest.fixture
def admin(db):
    return UserFactory()


# --- Which money, in which order -------------------------------------------------------


def _paid_by(admin, *funds: dict, meeting=None) -> dict[str, Decimal]:
    """Offer the funds (`fund` keywords, in this order) to one award of 1,000.00 for
    `meeting` and say which of them paid for it."""
    from sponsorship.extensions import db

    award = award_for("1000.00", meeting=meeting)
    for kwargs in funds:
        fund(**kwargs)
    db.session.commit()
    ledger.allocate(award, admin, on=TODAY)
    return committed_to(award)


def test_allocate_takes_most_restricted_money_first(db, admin):
    meeting = MeetingFactory(kind=MeetingKind.MSP)
    assert _paid_by(
        admin,
        dict(reference="FREE"),
        dict(reference="KIND", earmark_meeting_kind=MeetingKind.MSP),
        dict(
            reference="KIND+MEETING", earmark_meeting_kind=MeetingKind.MSP, earmark_meeting=meeting
        ),
        meeting=meeting,
    ) == {"KIND+MEETING": D("1000.00")}


def test_allocate_takes_soonest_spend_by_first(db, admin):
    assert _paid_by(
        admin,
        dict(reference="OLD-NO-DEADLINE", received_on=date(2025, 1, 1)),
        dict(reference="LATE", spend_by=date(2027, 1, 1)),
        dict(reference="SOON", spend_by=date(2026, 6, 30)),
    ) == {"SOON": D("1000.00")}


def test_allocate_among_equals_takes_the_oldest_receipt(db, admin):
    assert _paid_by(
        admin,
        dict(reference="NEWER", received_on=date(2026, 2, 1)),
        dict(reference="OLDER", received_on=date(2025, 6, 1)),
        dict(reference="NEWEST", received_on=date(2026, 2, 20)),
    ) == {"OLDER": D("1000.00")}


def test_allocate_splits_across_contributions_in_order(db, admin):
    award = award_for("1000.00")
    fund("300.00", reference="A", spend_by=date(2026, 4, 1))
    fund("500.00", reference="B", spend_by=date(2026, 5, 1))
    fund("5000.00", reference="C")
    db.session.commit()
    funding = ledger.allocate(award, admin, on=TODAY)
    assert funding.amount == D("1000.00")
    assert committed_to(award) == {"A": D("300.00"), "B": D("500.00"), "C": D("200.00")}
    balances = dict(db_rows(select(Contribution.reference, Contribution.committed)))
    assert (balances["A"], balances["B"], balances["C"]) == (D(300), D(500), D(200))


def test_allocate_short_commits_nothing(db, admin):
    award = award_for("1000.00")
    fund("300.00", reference="A")
    fund("500.00", reference="B")
    db.session.commit()
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    with pytest.raises(InsufficientFunds) as error:
        ledger.allocate(award, admin, on=TODAY)
    assert error.value.shortfall == D("200.00")
    assert "200.00" in str(error.value)
    assert db.session.scalar(select(func.count(Allocation.id))) == 0
    assert db.session.scalar(select(func.sum(Contribution.committed))) == 0
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events


def test_allocate_walks_past_the_first_batch_of_funds(db, admin):
    award = award_for("1000.00")
    for n in range(25):
        fund("50.00", reference=f"S{n:02d}", received_on=date(2025, 1, 1) + timedelta(days=n))
    db.session.commit()
    ledger.allocate(award, admin, on=TODAY)
    assert committed_to(award) == {f"S{n:02d}": D(50) for n in range(20)}


def test_allocate_over_three_batches_takes_each_contribution_once(db, admin):
    """Rule: never over-committed: however many batches of contributions an award
    needs (8, then 32, then more), each contribution pays at most what it has."""
    award = award_for("450.00")
    for n in range(45):
        fund("10.00", reference=f"T{n:02d}", received_on=date(2025, 1, 1) + timedelta(days=n))
    db.session.commit()
    ledger.allocate(award, admin, on=TODAY)
    assert committed_to(award) == {f"T{n:02d}": D(10) for n in range(45)}
    assert not [line for line in books.check_books() if line.problems]


def test_allocate_short_after_the_first_batch_commits_nothing(db, admin):
    award = award_for("1000.00")
    for n in range(20):
        fund("49.99", reference=f"S{n:02d}")
    db.session.commit()
    with pytest.raises(InsufficientFunds) as error:
        ledger.allocate(award, admin, on=TODAY)
    assert error.value.shortfall == D("0.20")
    assert db.session.scalar(select(func.count(Allocation.id))) == 0


def test_allocate_ignores_pledged_cancelled_and_expired_money(db, admin):
    award = award_for("1000.00")
    ContributionFactory(
        status="pledged", exchange_rate=None, rate_date=None, base_amount=None, received_on=None
    )
    fund(reference="EXPIRED", spend_by=TODAY - timedelta(days=1))
    fund("999.99", reference="SHORT")
    db.session.commit()
    with pytest.raises(InsufficientFunds):
        ledger.allocate(award, admin, on=TODAY)
    fund("0.01", reference="CENT")
    db.session.commit()
    ledger.allocate(award, admin, on=TODAY)
    assert committed_to(award) == {"SHORT": D("999.99"), "CENT": D("0.01")}


def test_allocate_on_the_spend_by_date_may_still_use_the_money(db, admin):
    award = award_for("1000.00")
    fund(reference="LAST-DAY", spend_by=TODAY)
    db.session.commit()
    ledger.allocate(award, admin, on=TODAY)
    assert committed_to(award) == {"LAST-DAY": D("1000.00")}


EARMARK_CASES = {
    "other meeting": (lambda m: {"earmark_meeting": MeetingFactory()}, False),
    "this meeting": (lambda m: {"earmark_meeting": m}, True),
    "other kind": (lambda m: {"earmark_meeting_kind": MeetingKind.MSP}, False),
    "this kind": (lambda m: {"earmark_meeting_kind": MeetingKind.INTERSESSIONAL}, True),
    "other year": (lambda m: {"earmark_year": m.starts_on.year + 1}, False),
    "this year": (lambda m: {"earmark_year": m.starts_on.year}, True),
    "other region": (lambda m: {"earmark_region": RegionalGroup.ASIA_PACIFIC}, False),
    "this region": (lambda m: {"earmark_region": RegionalGroup.AFRICAN}, True),
    "theme of a served session": (lambda m: {"earmark_theme": Theme.VICTIM_ASSISTANCE}, True),
    "theme of an unserved session": (
        lambda m: {"earmark_theme": Theme.STOCKPILE_DESTRUCTION},
        False,
    ),
    "universalization, State Party": (lambda m: {"earmark_theme": Theme.UNIVERSALIZATION}, False),
}


@pytest.mark.parametrize("case", sorted(EARMARK_CASES))
def test_allocate_honours_each_earmark(db, admin, case):
    earmarks, allowed = EARMARK_CASES[case]
    meeting = MeetingFactory(kind=MeetingKind.INTERSESSIONAL)
    meeting.sessions.append(
        MeetingSession(
            title="Article 4", theme=Theme.STOCKPILE_DESTRUCTION, held_on=meeting.starts_on
        )
    )
    state = StateFactory(regional_group=RegionalGroup.AFRICAN)
    award = award_for("1000.00", meeting=meeting, state=state, themes=(Theme.VICTIM_ASSISTANCE,))
    fund(reference="EARMARKED", **earmarks(meeting))
    db.session.commit()
    assert balances.available(award=award, on=TODAY) == (D(10000) if allowed else 0)
    if allowed:
        ledger.allocate(award, admin, on=TODAY)
        assert committed_to(award) == {"EARMARKED": D("1000.00")}
    else:
        with pytest.raises(InsufficientFunds):
            ledger.allocate(award, admin, on=TODAY)


@pytest.mark.parametrize(
    "status", [ConventionStatus.NOT_PARTY, ConventionStatus.SIGNATORY, ConventionStatus.WITHDRAWN]
)
def test_allocate_universalization_money_pays_for_states_not_party(db, admin, status):
    award = award_for("1000.00", state=StateFactory(convention_status=status))
    fund(reference="UNIV", earmark_theme=Theme.UNIVERSALIZATION)
    db.session.commit()
    ledger.allocate(award, admin, on=TODAY)
    assert committed_to(award) == {"UNIV": D("1000.00")}


def test_allocate_sql_and_python_matching_agree(db):
    """`Purpose.clauses` (SQL) and `Purpose.allows` (Python) are the same rule."""
    meeting = MeetingFactory(kind=MeetingKind.MSP)
    other = MeetingFactory()
    year = meeting.starts_on.year
    options = {
        "earmark_meeting": [None, meeting, other],
        "earmark_meeting_kind": [None, MeetingKind.MSP, MeetingKind.INTERSESSIONAL],
        "earmark_year": [None, year, year + 1],
        "earmark_region": [None, RegionalGroup.AFRICAN, RegionalGroup.ASIA_PACIFIC],
        "earmark_theme": [None, Theme.MINE_CLEARANCE, Theme.UNIVERSALIZATION],
        "spend_by": [None, TODAY, TODAY - timedelta(days=1)],
    }
    import itertools

    funds = []
    for n, values in enumerate(itertools.product(*options.values())):
        if n % 3:  # a third of the 729 combinations is plenty and keeps it fast
            continue
        funds.append(fund(reference=f"M{n}", **dict(zip(options, values, strict=True))))
    db.session.flush()
    ids = [c.id for c in funds]
    purposes = [
        earmarks.meeting_purpose(meeting),
        earmarks.Purpose(meeting.id, MeetingKind.MSP, year, RegionalGroup.AFRICAN, frozenset()),
        earmarks.Purpose(
            meeting.id,
            MeetingKind.MSP,
            year,
            RegionalGroup.ASIA_PACIFIC,
            frozenset({Theme.UNIVERSALIZATION}),
        ),
    ]
    for purpose in purposes:
        in_sql = set(
            db.session.scalars(
                select(Contribution.id).where(Contribution.id.in_(ids), *purpose.clauses(TODAY))
            )
        )
        in_python = {c.id for c in funds if purpose.allows(c, TODAY)}
        assert in_sql == in_python
        assert in_sql  # the case is not vacuous


def test_priority_sql_and_python_order_agree(db):
    specs = [
        {"spend_by": date(2027, 1, 1)},
        {"spend_by": date(2026, 6, 1), "earmark_year": 2026},
        {"earmark_region": RegionalGroup.AFRICAN, "earmark_theme": Theme.MINE_CLEARANCE},
        {"received_on": date(2025, 1, 1)},
        {},
        {"earmark_year": 2026},
    ]
    funds = [fund(reference=f"P{n}", **spec) for n, spec in enumerate(specs)]
    db.session.flush()
    in_sql = list(
        db.session.scalars(
            select(Contribution.id)
            .where(Contribution.id.in_([c.id for c in funds]))
            .order_by(*earmarks.PRIORITY)
        )
    )
    assert in_sql == [c.id for c in sorted(funds, key=earmarks.priority_key)]
    assert in_sql[0] == funds[2].id  # two earmarks beat one


def test_priority_python_order_takes_soonest_spend_by_then_oldest_receipt(db):
    """Rule: the slate and the scale generator spend money in the ledger's order
    (`priority_key`): among equally earmarked money, the dated before the undated, the
    soonest spend-by first, then the oldest receipt, whatever order it was recorded in."""
    funds = [
        fund(reference="LATE", spend_by=date(2027, 1, 1), received_on=date(2025, 1, 1)),
        fund(reference="SOON", spend_by=date(2026, 6, 30), received_on=date(2026, 2, 1)),
        fund(reference="NEWER", received_on=date(2026, 2, 1)),
        fund(reference="OLDER", received_on=date(2025, 6, 1)),
    ]
    db.session.flush()
    in_python = [c.reference for c in sorted(funds, key=earmarks.priority_key)]
    assert in_python == ["SOON", "LATE", "OLDER", "NEWER"]
    in_sql = db.session.scalars(
        select(Contribution.reference)
        .where(Contribution.id.in_([c.id for c in funds]))
        .order_by(*earmarks.PRIORITY)
    )
    assert list(in_sql) == in_python


# --- Refusals --------------------------------------------------------------------------


def test_allocate_twice_is_refused(db, admin):
    award = award_for("1000.00")
    fund()
    db.session.commit()
    ledger.allocate(award, admin, on=TODAY)
    with pytest.raises(DomainError, match="already fully funded"):
        ledger.allocate(award, admin, on=TODAY)


def test_allocate_unpriced_award_is_refused(db, admin):
    award = AwardFactory()
    fund()
    db.session.commit()
    with pytest.raises(DomainError, match="Price the award"):
        ledger.allocate(award, admin, on=TODAY)


@pytest.mark.parametrize("status", [AwardStatus.REJECTED, AwardStatus.DECLINED])
def test_allocate_closed_award_is_refused(db, admin, status):
    award = award_for("1000.00", status=status)
    fund()
    db.session.commit()
    with pytest.raises(DomainError, match="status"):
        ledger.allocate(award, admin, on=TODAY)


def test_allocate_after_repricing_commits_only_the_difference(db, admin):
    award = award_for("1000.00")
    fund("1000.00", reference="FIRST", spend_by=date(2026, 12, 31))
    fund(reference="SECOND")
    db.session.commit()
    ledger.allocate(award, admin, on=TODAY)
    AwardCostLineFactory(award=award, unit_amount=D("250.50"))
    db.session.commit()
    funding = ledger.allocate(award, admin, on=TODAY)
    assert funding.amount == D("250.50")
    assert committed_to(award) == {"FIRST": D("1000.00"), "SECOND": D("250.50")}


def test_transaction_with_unsaved_changes_is_refused(db, admin):
    award = award_for("1000.00")
    fund()
    db.session.commit()
    award.decision_reason = "changed, not saved"
    with pytest.raises(RuntimeError, match="unsaved changes"):
        ledger.allocate(award, admin, on=TODAY)
    db.session.rollback()


def test_ledger_functions_join_an_outer_unit_of_work(db, admin):
    award = award_for("1000.00")
    fund()
    db.session.commit()
    with pytest.raises(RuntimeError, match="boom"), unit_of_work():
        ledger.allocate(award, admin, on=TODAY)
        raise RuntimeError("boom")
    assert db.session.scalar(select(func.count(Allocation.id))) == 0
    with unit_of_work():
        ledger.allocate(award, admin, on=TODAY)
        award.decision_reason = "offered with its money, in one transaction"
    db.session.rollback()
    assert balances.award_committed(award.id) == D("1000.00")
    assert award.decision_reason.startswith("offered")


# --- Audit -----------------------------------------------------------------------------


def test_allocate_writes_an_audit_event_per_allocation(db, admin):
    award = award_for("1000.00")
    fund("400.00", reference="A")
    fund("900.00", reference="B")
    db.session.commit()
    ledger.allocate(award, admin, on=TODAY)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "ledger.commit").order_by(AuditEvent.id)
    ).all()
    assert [(e.after["contribution"], e.after["amount"]) for e in events] == [
        ("A", "400.0000"),
        ("B", "600.0000"),
    ]
    assert {e.actor_id for e in events} == {admin.id}
    assert {e.object_type for e in events} == {"Allocation"}


# --- Release ---------------------------------------------------------------------------


def test_release_gives_the_money_back_and_audits(db, admin):
    award = award_for("1000.00")
    fund("400.00", reference="A")
    fund("900.00", reference="B")
    db.session.commit()
    ledger.allocate(award, admin, on=TODAY)
    assert ledger.release(award, admin, reason="declined") == D("1000.00")
    assert db.session.scalar(select(func.sum(Contribution.committed))) == 0
    assert set(db.session.scalars(select(Allocation.status))) == {AllocationStatus.RELEASED}
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "ledger.release")
    ).all()
    assert len(events) == 2 and {e.after["reason"] for e in events} == {"declined"}
    assert ledger.release(award, admin) == 0  # nothing left: a no-op


# --- Reconcile -------------------------------------------------------------------------


def _attended(award, actual: str):
    award.status = AwardStatus.ATTENDED
    AwardCostLineFactory(award=award, stage=CostStage.ACTUAL, unit_amount=D(actual))


def test_reconcile_spends_actual_costs_and_releases_the_rest(db, admin):
    award = award_for("1000.00")
    fund("400.00", reference="A", spend_by=date(2026, 12, 31))
    fund("900.00", reference="B")
    db.session.commit()
    ledger.allocate(award, admin, on=TODAY)
    _attended(award, "912.60")
    db.session.commit()
    result = reconciliation.reconcile(award, admin)
    assert (result.spent, result.released, result.overspend) == (D("912.60"), D("87.40"), 0)
    balances = {
        ref: (committed, spent)
        for ref, committed, spent in db_rows(
            select(Contribution.reference, Contribution.committed, Contribution.spent)
        )
    }
    # The restricted money is spent first; the flexible money goes back to the fund.
    assert balances == {"A": (0, D(400)), "B": (0, D("512.60"))}
    rows = db_rows(
        select(Contribution.reference, Allocation.status, Allocation.amount)
        .join(Allocation.contribution)
        .order_by(Allocation.id)
    )
    assert set(rows) == {
        ("A", AllocationStatus.SPENT, D(400)),
        ("B", AllocationStatus.SPENT, D("512.60")),
        ("B", AllocationStatus.RELEASED, D("87.40")),
    }
    assert award.reconciled_at is not None
    assert all(b.ok for b in books.check_books())


def test_split_spend_spends_rows_in_order_and_releases_the_rest():
    rows = [(7, D("1000")), (3, D("600")), (9, D("50"))]
    assert reconciliation.split_spend(rows, D("1512.60")) == (
        {7: D("1000"), 3: D("512.60")},
        {3: D("87.40"), 9: D("50")},
    )
    assert reconciliation.split_spend(rows, D(0)) == ({}, dict(rows))
    # Costs above the rows' total are not spent here: an overspend is covered first.
    assert reconciliation.split_spend(rows, D("9999")) == (dict(rows), {})


def test_reconcile_overspend_without_a_decision_is_refused(db, admin):
    award = award_for("1000.00")
    fund()
    db.session.commit()
    ledger.allocate(award, admin, on=TODAY)
    _attended(award, "1100.00")
    db.session.commit()
    with pytest.raises(DomainError, match="exceed the committed money by CHF100.00"):
        reconciliation.reconcile(award, admin)
    assert balances.award_committed(award.id) == D(1000)
    assert award.reconciled_at is None


def test_reconcile_overspend_allocate_commits_and_spends_the_difference(db, admin):
    award = award_for("1000.00")
    fund("1000.00", reference="A", spend_by=date(2026, 12, 31))
    fund("5000.00", reference="B")
    db.session.commit()
    ledger.allocate(award, admin, on=TODAY)
    _attended(award, "1100.00")
    db.session.commit()
    result = reconciliation.reconcile(award, admin, overspend=Overspend.ALLOCATE, on=TODAY)
    assert (result.spent, result.released, result.overspend) == (D(1100), 0, D(100))
    spent = dict(db_rows(select(Contribution.reference, Contribution.spent)))
    assert spent == {"A": D(1000), "B": D(100)}
    assert all(b.ok for b in books.check_books())


def test_reconcile_overspend_allocate_without_money_changes_nothing(db, admin):
    award = award_for("1000.00")
    fund("1000.00")
    db.session.commit()
    ledger.allocate(award, admin, on=TODAY)
    _attended(award, "1100.00")
    db.session.commit()
    with pytest.raises(InsufficientFunds):
        reconciliation.reconcile(award, admin, overspend=Overspend.ALLOCATE, on=TODAY)
    assert balances.award_committed(award.id) == D(1000)
    assert award.reconciled_at is None


def test_reconcile_overspend_absorb_spends_what_was_committed(db, admin):
    award = award_for("1000.00")
    fund()
    db.session.commit()
    ledger.allocate(award, admin, on=TODAY)
    _attended(award, "1100.00")
    db.session.commit()
    result = reconciliation.reconcile(award, admin, overspend=Overspend.ABSORB)
    assert (result.spent, result.overspend, result.decision) == (
        D(1000),
        D(100),
        Overspend.ABSORB,
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "award.reconcile"))
    assert event.after["overspend"] == "100.0000" and event.after["decision"] == "absorb"


def test_reconcile_no_show_without_costs_releases_everything(db, admin):
    award = award_for("1000.00")
    fund()
    db.session.commit()
    ledger.allocate(award, admin, on=TODAY)
    award.status = AwardStatus.NO_SHOW
    db.session.commit()
    result = reconciliation.reconcile(award, admin)
    assert (result.spent, result.released) == (0, D(1000))


def test_reconcile_twice_or_before_the_meeting_is_refused(db, admin):
    award = award_for("1000.00")
    fund()
    db.session.commit()
    ledger.allocate(award, admin, on=TODAY)
    with pytest.raises(DomainError, match="attended"):
        reconciliation.reconcile(award, admin)
    _attended(award, "900.00")
    db.session.commit()
    reconciliation.reconcile(award, admin)
    with pytest.raises(DomainError, match="already reconciled"):
        reconciliation.reconcile(award, admin)


# --- Available and the waiting list ----------------------------------------------------


def test_available_honours_earmarks_and_spend_by(db, admin):
    meeting = MeetingFactory(kind=MeetingKind.MSP)
    a = fund("1000.00", reference="FREE")
    fund("2000.00", reference="MSP", donor=a.donor, earmark_meeting_kind=MeetingKind.MSP)
    fund("4000.00", reference="OTHER-KIND", earmark_meeting_kind=MeetingKind.INTERSESSIONAL)
    fund("8000.00", reference="EXPIRED", spend_by=TODAY - timedelta(days=1))
    award = award_for("500.00", meeting=meeting)
    db.session.commit()
    assert balances.available(meeting=meeting, on=TODAY) == D(3000)
    assert balances.available(donor=a.donor, on=TODAY) == D(3000)
    assert balances.available(contribution=a, on=TODAY) == D(1000)
    assert balances.available(on=TODAY) == D(7000)
    ledger.allocate(award, admin, on=TODAY)
    assert balances.available(meeting=meeting, on=TODAY) == D(2500)
    assert balances.available(contribution=a, on=TODAY) == D(1000)  # MSP money went first


def test_waitlist_shows_which_awards_now_fit(db, admin):
    meeting = MeetingFactory()
    offered = award_for("2000.00", meeting=meeting)
    small = award_for("800.00", meeting=meeting, status=AwardStatus.WAITLISTED)
    large = award_for("2500.00", meeting=meeting, status=AwardStatus.WAITLISTED)
    also_small = award_for("1000.00", meeting=meeting, status=AwardStatus.WAITLISTED)
    fund("3000.00")
    db.session.commit()
    ledger.allocate(offered, admin, on=TODAY)
    fits = {c.award.id: c.fits for c in waiting_list.waitlist(meeting, on=TODAY)}
    assert fits == {small.id: True, large.id: False, also_small.id: False}
    ledger.release(offered, admin)
    checks = waiting_list.waitlist(meeting, order=[large.id, small.id, also_small.id], on=TODAY)
    # In this order: the large one fits, then only the small one still does.
    assert [(c.award.id, c.fits) for c in checks] == [
        (large.id, True),
        (small.id, False),
        (also_small.id, False),
    ]
    assert [(c.award.id, c.fits) for c in waiting_list.waitlist(meeting, on=TODAY)] == [
        (small.id, True),
        (large.id, False),
        (also_small.id, True),
    ]
    assert db.session.scalar(select(func.count(Allocation.id))) == 1  # reading changed nothing


def test_plan_takes_in_order_and_refuses_a_shortfall():
    assert earmarks.plan(D(10), [(1, D(4)), (2, D(0)), (3, D(10))]) == [(1, D(4)), (3, D(6))]
    assert earmarks.plan(D(10), [(1, D(4)), (2, D(5))]) == []
