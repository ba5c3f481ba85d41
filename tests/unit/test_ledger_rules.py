"""Rules of the ledger, its balances, books and waiting list that a mutation run found
unguarded (tests/mutation). Each test names the rule it protects and checks it through
what the ledger does or reports, never through how it is written.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from sponsorship.core.errors import DomainError
from sponsorship.core.transaction import ConcurrentChange, LockConflict, unit_of_work
from sponsorship.funding import balances, books, earmarks, ledger, reconciliation, waiting_list
from sponsorship.funding.ledger import InsufficientFunds
from sponsorship.models import (
    Allocation,
    AllocationStatus,
    AuditEvent,
    AwardStatus,
    Contribution,
    ContributionStatus,
    Donor,
    MeetingKind,
    RegionalGroup,
    Theme,
)
from tests.factories import AwardCostLineFactory, MeetingFactory
from tests.unit.test_ledger import _attended, award_for, committed_to, fund

D = Decimal
TODAY = date(2026, 3, 1)


def _commit():
    from sponsorship.extensions import db

    db.session.commit()


# --- Balances after spending ----------------------------------------------------------


def test_available_after_reconcile_is_received_less_spent(db, admin):
    """Rule: spent money is gone for good; what a contribution still has to give is
    what was received less what was committed and spent."""
    award = award_for("1000.00")
    c = fund("3000.00", reference="A")
    _commit()
    ledger.allocate(award, admin, on=TODAY)
    _attended(award, "700.00")
    _commit()
    reconciliation.reconcile(award, admin, on=TODAY)
    db.session.expire_all()
    assert balances.available(contribution=c, on=TODAY) == D("2300.00")
    assert db.session.get(Contribution, c.id).available == D("2300.00")
    assert balances.award_committed(award.id) == 0


def test_outstanding_counts_only_money_still_committed(db, admin):
    """Rule: what an award still needs is its estimate less the money committed to it
    now; released and spent rows do not count."""
    award = award_for("1000.00")
    c = fund("5000.00")
    _commit()
    for status, amount in (
        (AllocationStatus.COMMITTED, "300.00"),
        # Released and spent do not add up to what is committed, so counting them
        # instead would show.
        (AllocationStatus.RELEASED, "250.00"),
        (AllocationStatus.SPENT, "100.00"),
    ):
        db.session.add(
            Allocation(contribution=c, award_id=award.id, amount=D(amount), status=status)
        )
    _commit()
    db.session.expire_all()
    assert balances.outstanding(award) == D("700.00")
    assert balances.award_committed(award.id) == D("300.00")


def test_meeting_awards_with_money_lists_only_that_meetings_awards(db):
    """Rule: a meeting's money page shows its own awards, not other meetings'."""
    here, elsewhere = MeetingFactory(), MeetingFactory()
    mine = award_for("100.00", meeting=here)
    award_for("100.00", meeting=elsewhere)
    _commit()
    found = db.session.scalars(balances.meeting_awards_with_money(here)).unique().all()
    assert [a.id for a in found] == [mine.id]


def test_available_counts_money_on_its_spend_by_day(db):
    """Rule: money may be used up to and including its spend-by day."""
    c = fund("500.00", spend_by=TODAY)
    fund("700.00", spend_by=TODAY - timedelta(days=1))
    _commit()
    assert balances.available(on=TODAY) == D("500.00")
    assert balances.available(contribution=c, on=TODAY + timedelta(days=1)) == 0


def test_earmark_rules_allow_money_on_its_spend_by_day(db):
    """Rule: the Python and SQL forms of the earmark rules agree that money on its
    spend-by day is still usable, and the day after it is not."""
    meeting = MeetingFactory()
    c = fund("500.00", spend_by=TODAY)
    _commit()
    purpose = earmarks.meeting_purpose(meeting)
    assert purpose.allows(c, TODAY)
    assert not purpose.allows(c, TODAY + timedelta(days=1))
    assert earmarks.usable(c, TODAY) == D("500.00")
    assert earmarks.usable(c, TODAY + timedelta(days=1)) == 0
    in_sql = select(Contribution.id).where(*purpose.clauses(TODAY))
    assert db.session.scalars(in_sql).all() == [c.id]


# --- Committing across batches ----------------------------------------------------------


def _funds(n: int, amount: str = "100.00") -> None:
    for i in range(n):
        fund(amount, reference=f"F{i:02d}")


@pytest.mark.parametrize("count", [9, 12])
def test_allocate_exact_fit_beyond_the_first_batch_is_committed(db, admin, count):
    """Rule: money spread over more contributions than the first batch still pays when
    it covers the cost exactly."""
    award = award_for(f"{count * 100}.00")
    _funds(count)
    _commit()
    funding = ledger.allocate(award, admin, on=TODAY)
    assert funding.amount == D(count * 100)
    assert sum(committed_to(award).values()) == D(count * 100)
    assert len(committed_to(award)) == count


def test_allocate_one_centime_short_beyond_the_first_batch_commits_nothing(db, admin):
    """Rule: all or nothing, and the shortfall said exactly, however many contributions."""
    award = award_for("900.01")
    _funds(9)
    _commit()
    with pytest.raises(InsufficientFunds) as refused:
        ledger.allocate(award, admin, on=TODAY)
    assert refused.value.shortfall == D("0.01")
    assert db.session.scalar(select(sa.func.count(Allocation.id))) == 0


def test_allocate_part_of_a_later_contribution_takes_only_what_is_needed(db, admin):
    """Rule: the last contribution used gives only what is still missing."""
    award = award_for("850.00")
    _funds(10)
    _commit()
    ledger.allocate(award, admin, on=TODAY)
    taken = committed_to(award)
    assert len(taken) == 9
    assert sorted(taken.values())[0] == D("50.00")


def test_allocate_covered_by_the_first_batch_writes_no_empty_rows(db, admin):
    """Rule: an allocation row always moves money: never a row of zero."""
    award = award_for("800.00")
    _funds(12)
    _commit()
    ledger.allocate(award, admin, on=TODAY)
    amounts = db.session.scalars(select(Allocation.amount)).all()
    assert len(amounts) == 8 and all(a == D("100.00") for a in amounts)


def test_allocate_audit_says_what_the_contribution_holds_after_each_commit(db, admin):
    """Rule: each commit's audit event records the contribution's committed balance
    after it, so the trail can be replayed."""
    first, second = award_for("300.00"), award_for("200.00")
    fund("1000.00", reference="ONE")
    _commit()
    ledger.allocate(first, admin, on=TODAY)
    ledger.allocate(second, admin, on=TODAY)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "ledger.commit").order_by(AuditEvent.id)
    ).all()
    assert [D(e.after["contribution_committed"]) for e in events] == [D("300"), D("500")]
    assert [e.after["contribution"] for e in events] == ["ONE", "ONE"]
    assert [D(e.after["amount"]) for e in events] == [D("300"), D("200")]


# --- The waiting list -------------------------------------------------------------------


def test_waitlist_need_is_estimate_less_money_already_committed(db, admin):
    """Rule: a waitlisted award that already holds money needs only the rest, and fits
    when the fund has that rest."""
    meeting = MeetingFactory()
    award = award_for("600.00", meeting=meeting, status=AwardStatus.WAITLISTED)
    fund("600.00", reference="FIRST")
    _commit()
    ledger.allocate(award, admin, on=TODAY)
    AwardCostLineFactory(award=award, unit_amount=D("400.00"))  # re-priced: 400 more
    fund("400.00", reference="SECOND")
    _commit()
    [check] = waiting_list.waitlist(meeting, on=TODAY)
    assert (check.award.id, check.cost, check.fits) == (award.id, D("400.00"), True)


def test_waitlist_need_of_an_award_without_money_is_its_whole_estimate(db):
    """Rule: nothing committed means the whole estimate is needed; nothing priced means
    nothing is needed (and such an award is not shown as fitting)."""
    meeting = MeetingFactory()
    priced = award_for("1000.00", meeting=meeting, status=AwardStatus.WAITLISTED)
    unpriced = award_for("1.00", meeting=meeting, status=AwardStatus.WAITLISTED)
    for line in list(unpriced.cost_lines):
        db.session.delete(line)
    fund("5000.00")
    _commit()
    needs = {
        a.id: cost
        for a, cost in db.session.execute(waiting_list.waitlisted_with_needs(meeting)).all()
    }
    assert needs == {priced.id: D("1000.00"), unpriced.id: D("0")}
    fits = {c.award.id: c.fits for c in waiting_list.waitlist(meeting, on=TODAY)}
    assert fits == {priced.id: True, unpriced.id: False}


def test_waitlist_need_leaves_out_the_share_others_pay(db):
    """Rule: a waitlisted award needs from the fund its estimate less the share declared
    as paid by the State or another body, and fits when the fund has that much."""
    meeting = MeetingFactory()
    award = award_for("1000.00", meeting=meeting, status=AwardStatus.WAITLISTED)
    award.cofunded_amount = D("300.00")
    fund("700.00")
    _commit()
    [check] = waiting_list.waitlist(meeting, on=TODAY)
    assert (check.award.id, check.cost, check.fits) == (award.id, D("700.00"), True)


def test_waitlist_fits_with_small_balances(db):
    """Rule: every centime counts: balances of one franc or less still pay."""
    meeting = MeetingFactory()
    award = award_for("1.50", meeting=meeting, status=AwardStatus.WAITLISTED)
    fund("0.50", reference="HALF")
    fund("1.00", reference="ONE")
    _commit()
    [check] = waiting_list.waitlist(meeting, on=TODAY)
    assert check.award.id == award.id and check.fits
    assert earmarks.plan(D("1.50"), [(1, D("0.50")), (2, D("1.00"))]) == [
        (1, D("0.50")),
        (2, D("1.00")),
    ]


def test_waitlist_uses_money_on_its_spend_by_day(db):
    """Rule: on its spend-by day money still counts for the waiting list."""
    meeting = MeetingFactory()
    award_for("500.00", meeting=meeting, status=AwardStatus.WAITLISTED)
    fund("500.00", spend_by=TODAY)
    _commit()
    assert [c.fits for c in waiting_list.waitlist(meeting, on=TODAY)] == [True]
    assert [c.fits for c in waiting_list.waitlist(meeting, on=TODAY + timedelta(days=1))] == [False]


def test_allowed_funds_allow_each_contribution_as_its_purpose_does(db):
    """Rule: the grouped look-up of allowed money (the waiting list's, the slate's)
    allows exactly the contributions `Purpose.allows` allows, one by one: money on its
    spend-by day but not the day after, earmarks that fit and not others, even among
    contributions alike in everything else."""
    meeting = MeetingFactory()
    on_the_day = fund("100.00", reference="ON-THE-DAY", spend_by=TODAY)
    expired = fund("100.00", reference="EXPIRED", spend_by=TODAY - timedelta(days=1))
    later = fund("100.00", reference="LATER", spend_by=TODAY + timedelta(days=1))
    elsewhere = fund("100.00", reference="ELSEWHERE", earmark_region=RegionalGroup.ASIA_PACIFIC)
    _commit()
    purpose = earmarks.Purpose(
        meeting.id, meeting.kind, meeting.starts_on.year, RegionalGroup.AFRICAN
    )
    contributions = [on_the_day, expired, later, elsewhere]
    allowed = earmarks.AllowedFunds(contributions, TODAY)(purpose)
    assert allowed == {c.id for c in contributions if purpose.allows(c, TODAY)}
    assert allowed == {on_the_day.id, later.id}


# --- Checking the books: each kind of corruption is reported ----------------------------


@contextmanager
def _checks_off(db):
    """Let the test write rows the CHECKs would refuse (as a bad restore could): what
    `check_books` exists to find. Undone with the test's transaction."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(sa.text("PRAGMA ignore_check_constraints = 1"))
        try:
            yield
        finally:
            db.session.execute(sa.text("PRAGMA ignore_check_constraints = 0"))
    else:
        for name in ("never_overcommitted", "received_is_converted", "balances_positive"):
            db.session.execute(
                sa.text(f"ALTER TABLE contributions DROP CONSTRAINT ck_contributions_{name}")
            )
        yield


def _set(db, c, **values) -> None:
    db.session.execute(sa.update(Contribution).where(Contribution.id == c.id).values(**values))
    db.session.expire_all()


def _problems(c) -> tuple[str, ...]:
    [line] = [line for line in books.check_books() if line.contribution.id == c.id]
    assert line.ok == (not line.problems)
    return line.problems


def test_check_books_passes_true_books_with_both_kinds_of_rows(db, admin):
    """Rule: books whose balances match their rows are reported as balanced."""
    award = award_for("1000.00")
    c = fund("3000.00")
    _commit()
    ledger.allocate(award, admin, on=TODAY)
    _attended(award, "700.00")
    _commit()
    reconciliation.reconcile(award, admin, on=TODAY)
    other = award_for("200.00")
    _commit()
    ledger.allocate(other, admin, on=TODAY)
    [line] = [line for line in books.check_books() if line.contribution.id == c.id]
    assert (line.rows_committed, line.rows_spent, line.problems) == (D("200"), D("700"), ())
    assert line.ok


def test_check_books_reports_a_committed_balance_without_rows(db):
    """Rule: a committed balance must be the sum of the committed rows."""
    c = fund("1000.00")
    _commit()
    _set(db, c, committed=D("10"))
    assert _problems(c) == ("committed 10.0000 but committed rows sum to 0",)


def test_check_books_reports_a_spent_balance_without_rows(db):
    """Rule: a spent balance must be the sum of the spent rows."""
    c = fund("1000.00")
    _commit()
    _set(db, c, spent=D("10"))
    assert _problems(c) == ("spent 10.0000 but spent rows sum to 0",)


def test_check_books_reports_more_used_than_received(db):
    """Rule: committed + spent never exceed what was received."""
    c = fund("100.00")
    _commit()
    with _checks_off(db):
        _set(db, c, committed=D("60"), spent=D("50"))
    db.session.add(
        Allocation(
            contribution_id=c.id,
            award_id=award_for().id,
            amount=D("60"),
            status=AllocationStatus.COMMITTED,
        )
    )
    db.session.add(
        Allocation(
            contribution_id=c.id,
            award_id=award_for().id,
            amount=D("50"),
            status=AllocationStatus.SPENT,
        )
    )
    db.session.flush()
    assert _problems(c) == ("committed + spent 110.0000 exceed received 100.0000",)


def test_check_books_reports_used_exactly_as_received_as_fine(db):
    """Rule: using every centime received is allowed."""
    c = fund("100.00")
    _commit()
    award = award_for("100.00")
    _commit()
    ledger.allocate(award, None, on=TODAY)
    assert _problems(c) == ()


def test_check_books_reports_a_base_amount_the_rate_does_not_give(db):
    """Rule: the base amount is the amount times the rate, rounded half to even."""
    c = fund("1000.00", exchange_rate=D("0.5"), base_amount=D("500.00"))
    _commit()
    _set(db, c, base_amount=D("501.00"))
    assert _problems(c) == ("base amount 501.0000 but 1000.0000 x 0.50000000 rounds to 500.00",)


@pytest.mark.parametrize(("status", "balance"), [("committed", "committed"), ("spent", "spent")])
def test_check_books_reports_rows_on_money_not_received(db, status, balance):
    """Rule: pledged or cancelled money holds no allocations, neither as rows nor as
    balances, each on its own."""
    c = fund(
        "100.00",
        status=ContributionStatus.PLEDGED,
        exchange_rate=None,
        rate_date=None,
        base_amount=None,
        received_on=None,
    )
    _commit()
    db.session.add(
        Allocation(contribution_id=c.id, award_id=award_for().id, amount=D("5"), status=status)
    )
    db.session.flush()
    problems = _problems(c)
    assert "pledged money has allocations" in problems
    with _checks_off(db):
        _set(db, c, **{balance: D("5")})
    assert _problems(c) == ("pledged money has allocations",)


@pytest.mark.parametrize("balance", ["committed", "spent"])
def test_check_books_reports_a_balance_on_money_not_received(db, balance):
    """Rule: pledged money with a balance but no rows is reported too."""
    c = fund(
        "100.00",
        status=ContributionStatus.CANCELLED,
        exchange_rate=None,
        rate_date=None,
        base_amount=None,
        received_on=None,
    )
    _commit()
    with _checks_off(db):
        _set(db, c, **{balance: D("5")})
    problems = _problems(c)
    assert problems[-1] == "cancelled money has allocations"
    assert len(problems) == 2


# --- The transaction helper -------------------------------------------------------------


def test_unit_of_work_integrity_error_other_than_overcommitment_propagates(db):
    """Rule: only the over-commitment CHECK becomes "try again"; any other refusal by
    the database reaches the caller as it is, with nothing written."""
    c = fund("100.00", reference="DUP")
    _commit()
    with pytest.raises(IntegrityError), unit_of_work() as session:
        session.add(Donor(name="Written alongside"))
        session.add(
            Contribution(
                **{
                    k: getattr(c, k)
                    for k in (
                        "donor_id",
                        "reference",
                        "status",
                        "currency",
                        "amount",
                        "exchange_rate",
                        "rate_date",
                        "base_amount",
                        "pledged_on",
                        "received_on",
                    )
                }
            )
        )
    assert (
        db.session.scalar(select(sa.func.count(Donor.id)).where(Donor.name == "Written alongside"))
        == 0
    )


def _operational(orig: Exception) -> OperationalError:
    return OperationalError("SELECT 1", {}, orig)


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"pg error {sqlstate}")
        self.sqlstate = sqlstate


@pytest.mark.parametrize("sqlstate", ["40P01", "40001", "55P03"])
def test_unit_of_work_lock_conflicts_become_lock_conflict(db, sqlstate):
    """Rule: a deadlock, a serialization failure and a lock timeout are lock conflicts
    (run again by `retried`)."""
    with pytest.raises(LockConflict), unit_of_work():
        raise _operational(_PgError(sqlstate))


def test_unit_of_work_sqlite_busy_is_concurrent_change_not_retried(db):
    """Rule: SQLite's "database is locked" asks the user to try again, without retrying."""
    with pytest.raises(ConcurrentChange) as raised, unit_of_work():
        raise _operational(sqlite3.OperationalError("database is locked"))
    assert not isinstance(raised.value, LockConflict)


@pytest.mark.parametrize("orig", [_PgError("42P01"), sqlite3.OperationalError("no such table")])
def test_unit_of_work_other_operational_errors_propagate(db, orig):
    """Rule: other operational errors are not disguised as concurrency."""
    with pytest.raises(OperationalError) as raised, unit_of_work():
        raise _operational(orig)
    assert not isinstance(raised.value, ConcurrentChange)


def test_check_books_lists_contributions_in_the_order_they_were_recorded(db, admin):
    """Rule: the books are listed by contribution, oldest record first, whatever was
    written to them since (PostgreSQL moves an updated row to the end of its table)."""
    first, second = fund("500.00", reference="FIRST"), fund("500.00", reference="SECOND")
    _commit()
    ledger.allocate(award_for("100.00"), admin, on=TODAY)  # moves FIRST's row
    ids = [line.contribution.id for line in books.check_books()]
    assert ids.index(first.id) < ids.index(second.id)
    assert ids == sorted(ids)


@pytest.mark.parametrize(
    ("orig", "kind"),
    [(_PgError("40P01"), LockConflict), (sqlite3.OperationalError("database is locked"), None)],
)
def test_unit_of_work_concurrency_refusals_ask_to_try_again(db, orig, kind):
    """Rule: the person is told the funds changed and to try again."""
    with (
        pytest.raises(
            kind or ConcurrentChange,
            match=r"^The funds changed while this was "
            r"being saved\. Please try again\.$",
        ),
        unit_of_work(),
    ):
        raise _operational(orig)


def test_unit_of_work_logs_an_overcommitment_as_an_error(db, caplog):
    """Rule: the CHECK firing means some path skipped the locks: it is logged as an
    error with the database's own message, besides asking the user to try again."""
    c = fund("100.00")
    _commit()
    with pytest.raises(ConcurrentChange, match="try again"), unit_of_work() as session:
        session.execute(
            sa.update(Contribution).where(Contribution.id == c.id).values(committed=D("100.01"))
        )
    [entry] = [r for r in caplog.records if r.name == "sponsorship.core.transaction"]
    assert entry.levelname == "ERROR"
    assert entry.getMessage().startswith("ledger: over-commitment refused by the database CHECK: ")
    assert "never_overcommitted" in entry.getMessage()


def test_unit_of_work_refuses_unsaved_changes_saying_what_to_do(db):
    """Rule: changes left unsaved before a unit are refused with the way out."""
    db.session.add(Donor(name="Unsaved"))
    with pytest.raises(RuntimeError) as refused, unit_of_work():
        pass
    assert str(refused.value) == (
        "unit_of_work: the session holds unsaved changes; make them inside "
        "`with unit_of_work():` or commit them first"
    )
    db.session.rollback()


def test_unit_of_work_on_sqlite_holds_the_write_lock_from_its_first_read(database_url):
    """Rule: on SQLite a unit of work is isolated from its first statement, a read: no
    other connection can write until it ends (BEGIN IMMEDIATE)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's whole-database write lock")
    from sponsorship import create_app
    from sponsorship.extensions import db as _db
    from tests.conftest import make_config

    app = create_app(make_config(database_url))
    path = database_url.removeprefix("sqlite:///")
    with app.app_context():
        try:
            with unit_of_work() as session:
                session.execute(select(sa.func.count(Donor.id))).scalar()
                other = sqlite3.connect(path, timeout=0)
                try:
                    with pytest.raises(sqlite3.OperationalError, match="locked"):
                        other.execute("BEGIN IMMEDIATE")
                finally:
                    other.close()
            assert not session.info.get("sponsorship.unit_of_work")
        finally:
            _db.session.remove()
            _db.engine.dispose()


def test_release_settles_and_audits_each_row_with_who_when_and_why(db, admin):
    """Rule: every allocation row given back is marked released at the time given (now
    by default) and audited on that row: by whom, from committed, how much, and why."""
    from datetime import UTC, datetime

    award = award_for("600.00")
    fund("400.00", reference="A", spend_by=date(2026, 12, 31))
    fund("900.00", reference="B")
    _commit()
    ledger.allocate(award, admin, on=TODAY)
    at = datetime(2026, 4, 1, 9, 30, tzinfo=UTC)
    assert ledger.release(award, admin, reason="declined", at=at) == D("600.00")
    rows = db.session.scalars(select(Allocation).order_by(Allocation.id)).all()
    assert [(r.status, r.settled_at) for r in rows] == [(AllocationStatus.RELEASED, at)] * 2
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "ledger.release").order_by(AuditEvent.id)
    ).all()
    assert [(e.object_type, e.object_id, e.actor_id) for e in events] == [
        ("Allocation", r.id, admin.id) for r in rows
    ]
    assert [e.before for e in events] == [{"status": "committed"}] * 2
    assert [(e.after["status"], D(e.after["amount"]), e.after["reason"]) for e in events] == [
        ("released", D("400.00"), "declined"),
        ("released", D("200.00"), "declined"),
    ]


def test_release_without_a_time_settles_now(db, admin):
    """Rule: a release without an explicit time is dated now."""
    from datetime import UTC, datetime

    award = award_for("100.00")
    fund("900.00")
    _commit()
    ledger.allocate(award, admin, on=TODAY)
    before = datetime.now(UTC)
    ledger.release(award, admin)
    [row] = db.session.scalars(select(Allocation)).all()
    assert before <= row.settled_at <= datetime.now(UTC)


def test_release_gives_back_only_that_awards_money(db, admin):
    """Rule: releasing one award leaves the money committed to other awards, even from
    the same contribution, untouched."""
    mine, other = award_for("300.00"), award_for("200.00")
    c = fund("1000.00")
    _commit()
    ledger.allocate(mine, admin, on=TODAY)
    ledger.allocate(other, admin, on=TODAY)
    assert ledger.release(mine, admin) == D("300.00")
    assert balances.award_committed(other.id) == D("200.00")
    assert _committed_of(c) == D("200.00")


def _committed_of(c) -> Decimal:
    from sponsorship.extensions import db

    db.session.expire_all()
    return db.session.get(Contribution, c.id).committed


def test_allocate_takes_a_last_remainder_of_one_franc_or_less(db, admin):
    """Rule: the cost is covered to the centime, however little is left after the
    first contributions."""
    award = award_for("800.50")
    _funds(8)
    fund("0.50", reference="LAST")
    _commit()
    ledger.allocate(award, admin, on=TODAY)
    taken = committed_to(award)
    assert len(taken) == 9 and taken["LAST"] == D("0.50")


def test_allocate_rows_say_who_committed_them_and_the_audit_why(db, admin):
    """Rule: each allocation row records who committed it; its audit names the award
    and the reason."""
    award = award_for("100.00")
    fund("500.00")
    _commit()
    ledger.allocate(award, admin, on=TODAY)
    [row] = db.session.scalars(select(Allocation)).all()
    assert (row.status, row.created_by_id) == (AllocationStatus.COMMITTED, admin.id)
    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "ledger.commit")
    ).all()
    assert (event.after["award"], event.after["reason"]) == (award.reference, "allocate")
    assert event.actor_id == admin.id


# --- The waiting list, second mutation run ----------------------------------------------


def test_waitlist_award_needing_one_franc_or_less_fits(db):
    """Rule: a waitlisted award that needs a franc or less fits when the fund has it."""
    meeting = MeetingFactory()
    award = award_for("0.50", meeting=meeting, status=AwardStatus.WAITLISTED)
    fund("10.00")
    _commit()
    [check] = waiting_list.waitlist(meeting, on=TODAY)
    assert (check.award.id, check.cost, check.fits) == (award.id, D("0.50"), True)


def test_waitlist_lists_only_that_meetings_waitlisted_awards(db):
    """Rule: a meeting's waiting list holds its own waitlisted awards, not another's."""
    meeting, other = MeetingFactory(), MeetingFactory()
    mine = award_for("100.00", meeting=meeting, status=AwardStatus.WAITLISTED)
    award_for("100.00", meeting=other, status=AwardStatus.WAITLISTED)
    _commit()
    assert [c.award.id for c in waiting_list.waitlist(meeting, on=TODAY)] == [mine.id]


def test_waitlist_in_a_given_order_puts_the_awards_not_named_last(db):
    """Rule: awards taken in the order given; those the order does not name come after,
    oldest first."""
    meeting = MeetingFactory()
    first, second, third = (
        award_for("100.00", meeting=meeting, status=AwardStatus.WAITLISTED) for _ in range(3)
    )
    _commit()
    checks = waiting_list.waitlist(meeting, order=[third.id], on=TODAY)
    assert [c.award.id for c in checks] == [third.id, first.id, second.id]


def test_waitlist_need_ignores_actual_costs_and_released_money(db, admin):
    """Rule: what a waitlisted award needs is its estimate less the money still
    committed to it: actual-cost lines and released money do not count."""
    from sponsorship.models import CostStage

    meeting = MeetingFactory()
    award = award_for("600.00", meeting=meeting, status=AwardStatus.WAITLISTED)
    fund("600.00")
    _commit()
    ledger.allocate(award, admin, on=TODAY)
    ledger.release(award, admin)
    AwardCostLineFactory(award=award, unit_amount=D("50.00"), stage=CostStage.ACTUAL)
    _commit()
    needs = dict(db.session.execute(waiting_list.waitlisted_with_needs(meeting)).all())
    assert needs == {award: D("600.00")}


def test_available_counts_a_franc_or_less_and_is_none_when_all_is_used(db):
    """Rule: every centime available counts; money all used up leaves nothing to sum
    (NULL, which callers show as no money), whether narrowed by meeting or award too."""
    meeting = MeetingFactory()
    award = award_for("100.00", meeting=meeting)
    small = fund("0.50", reference="SMALL")
    used = fund("100.00", reference="USED")
    used.committed = D("100.00")
    _commit()
    assert balances.available(contribution=small, on=TODAY) == D("0.50")
    for narrowing in ({}, {"meeting": meeting}, {"award": award}):
        total = balances.available_total(contribution=used, on=TODAY, **narrowing)
        assert db.session.scalar(total) is None


def test_meeting_budget_counts_money_earmarked_for_it_and_not_for_other_themes(db):
    """Rule: a meeting's budget counts money earmarked for that meeting, its year, the
    themes of its sessions or universalization, and not money for a theme it lacks."""
    from sponsorship.models import Theme

    meeting = MeetingFactory()  # one session, on mine clearance
    fund("1.00", earmark_meeting=meeting, reference="MEETING")
    fund("10.00", earmark_year=meeting.starts_on.year, reference="YEAR")
    fund("100.00", earmark_theme=Theme.MINE_CLEARANCE, reference="THEME")
    fund("1000.00", earmark_theme=Theme.UNIVERSALIZATION, reference="UNIVERSAL")
    fund("10000.00", earmark_theme=Theme.VICTIM_ASSISTANCE, reference="OTHER")
    _commit()
    assert balances.available(meeting=meeting, on=meeting.starts_on) == D("1111.00")


def test_plan_takes_only_what_is_needed_and_stops(db):
    """Rule: money is taken in order until the cost is covered; later balances are
    left whole."""
    assert earmarks.plan(D(1), [(1, D(5)), (2, D(5))]) == [(1, D(1))]


# --- Allocating: what is refused, and why ----------------------------------------------


def test_allocate_refusals_say_why_and_commit_nothing(db, admin, app):
    """Rule: each refusal to commit money says why, in words an administrator can act
    on (its status, no price, already funded, the shortfall, no such award), and
    commits nothing."""
    from sponsorship.core import money

    meeting = MeetingFactory()
    declined = award_for("100.00", meeting=meeting, status=AwardStatus.DECLINED)
    unpriced = award_for("100.00", meeting=meeting)
    for line in list(unpriced.cost_lines):
        db.session.delete(line)
    funded, short = award_for("100.00", meeting=meeting), award_for("700.00", meeting=meeting)
    fund("600.00")
    _commit()
    ledger.allocate(funded, admin, on=TODAY)
    refusals = []
    with app.test_request_context():
        for award in (declined, unpriced, funded, short, 987654):
            with pytest.raises(DomainError) as refused:
                ledger.allocate(award, admin, on=TODAY)
            refusals.append(str(refused.value))
        shortfall = money.display(D("200.00"))
    assert refusals == [
        "Money cannot be committed to this award in its status.",
        "Price the award before committing money to it.",
        "This award is already fully funded.",
        f"The money whose earmarks allow this award falls short by {shortfall};"
        " nothing was committed.",
        "No such award.",
    ]
    assert balances.award_committed(short.id) == 0


def test_allocate_by_award_id_funds_an_award_priced_at_a_franc_or_less(db, admin):
    """Rule: any positive price is a price, however small; an award may be named by its
    id, and the funding says which award it is for."""
    award = award_for("1.00")
    fund("500.00")
    _commit()
    funding = ledger.allocate(award.id, admin, on=TODAY)
    assert (funding.award_id, funding.amount) == (award.id, D("1.00"))
    assert [a.amount for a in funding.allocations] == [D("1.00")]
    assert list(committed_to(award).values()) == [D("1.00")]


def test_allocate_funds_an_award_created_in_the_same_transaction(db, admin):
    """Rule: an award created in the transaction that commits its money (an import, an
    offer) is found and funded with it."""
    from sponsorship.extensions import db as _db
    from sponsorship.models import Award, AwardCostLine, CostKind, CostStage
    from tests.factories import DelegateFactory

    delegate = DelegateFactory()
    fund("500.00")
    _commit()
    with unit_of_work():
        award = Award(delegate=delegate, reference="SP-SAME-TXN")
        award.cost_lines.append(
            AwardCostLine(
                kind=CostKind.AIRFARE,
                stage=CostStage.ESTIMATE,
                quantity=D(1),
                unit_amount=D("250.00"),
                amount=D("250.00"),
            )
        )
        _db.session.add(award)
        funding = ledger.allocate(award, admin, on=TODAY)
    assert funding.amount == D("250.00")
    assert balances.award_committed(award.id) == D("250.00")


# --- The waiting list reads columns, not objects: the same answers ----------------------


def test_funds_read_as_columns_answer_the_rules_as_the_contributions_do(db):
    """Rule: a contribution read as the rules' columns (`Fund`, the waiting list's) is
    usable, keyed and allowed exactly as the contribution itself, whatever its status,
    spend-by or earmarks."""
    meeting = MeetingFactory()
    contributions = [
        fund("100.00", reference="PLAIN"),
        fund("200.00", reference="EXPIRED", spend_by=TODAY - timedelta(days=1)),
        fund("300.00", reference="ON-THE-DAY", spend_by=TODAY),
        fund("400.00", reference="ASIA", earmark_region=RegionalGroup.ASIA_PACIFIC),
        fund("500.00", reference="THEMED", earmark_theme=Theme.VICTIM_ASSISTANCE),
        fund("600.00", reference="MEETING", earmark_meeting=meeting),
        fund("700.00", reference="OTHER-KIND", earmark_meeting_kind=MeetingKind.MSP),
        fund("800.00", reference="NEXT-YEAR", earmark_year=meeting.starts_on.year + 1),
        fund("900.00", reference="SPENT", committed=D("400.00"), spent=D("500.00")),
        fund(
            "50.00",
            reference="PLEDGED",
            status=ContributionStatus.PLEDGED,
            exchange_rate=None,
            rate_date=None,
            base_amount=None,
            received_on=None,
        ),
    ]
    _commit()
    found = db.session.execute(select(*earmarks.RULE_COLUMNS)).all()
    funds = {f.id: f for f in (earmarks.Fund(*row) for row in found)}
    purposes = [
        earmarks.Purpose(meeting.id, meeting.kind, meeting.starts_on.year, region, themes)
        for region in (None, RegionalGroup.AFRICAN, RegionalGroup.ASIA_PACIFIC)
        for themes in (None, frozenset(), frozenset({Theme.VICTIM_ASSISTANCE}))
    ]
    for c in contributions:
        row = funds[c.id]
        assert earmarks.usable(row, TODAY) == earmarks.usable(c, TODAY), c.reference
        assert earmarks.earmark_key(row, TODAY) == earmarks.earmark_key(c, TODAY), c.reference
        assert [p.allows(row, TODAY) for p in purposes] == [p.allows(c, TODAY) for p in purposes], (
            c.reference
        )
    assert funds[contributions[0].id].available == D("100.00")
    assert earmarks.usable(funds[contributions[1].id], TODAY) == 0


def test_allowed_funds_answer_purposes_alike_in_their_funds_with_equal_sets(db):
    """Rule: purposes that differ (region, themes) but allow the same contributions get
    the same set, and one that allows fewer gets its own."""
    meeting = MeetingFactory()
    plain = fund("100.00", reference="PLAIN")
    themed = fund("100.00", reference="THEMED", earmark_theme=Theme.VICTIM_ASSISTANCE)
    _commit()
    allowed = earmarks.AllowedFunds([plain, themed], TODAY)

    def purpose(region, themes):
        return earmarks.Purpose(meeting.id, meeting.kind, meeting.starts_on.year, region, themes)

    african = allowed(purpose(RegionalGroup.AFRICAN, frozenset({Theme.VICTIM_ASSISTANCE})))
    asian = allowed(purpose(RegionalGroup.ASIA_PACIFIC, frozenset({Theme.VICTIM_ASSISTANCE})))
    other_theme = allowed(purpose(RegionalGroup.AFRICAN, frozenset({Theme.MINE_CLEARANCE})))
    assert african == asian == {plain.id, themed.id}
    assert other_theme == {plain.id}
    assert allowed(purpose(RegionalGroup.AFRICAN, frozenset({Theme.MINE_CLEARANCE}))) == {plain.id}


def test_waiting_awards_read_each_award_with_its_need_and_purpose(db):
    """Rule: the waiting list read as columns names the meeting's waitlisted awards, oldest
    first, each with what it still needs (as `waitlisted_with_needs`) and its purpose
    (as `award_purposes`), once per award however many themes its sessions have."""
    meeting = MeetingFactory()
    themes = (Theme.VICTIM_ASSISTANCE, Theme.MINE_CLEARANCE)
    two_themes = award_for("500.00", meeting=meeting, themes=themes, status=AwardStatus.WAITLISTED)
    no_theme = award_for("300.00", meeting=meeting, status=AwardStatus.WAITLISTED)
    award_for("100.00", meeting=meeting)  # pending: not on the list
    award_for("100.00", status=AwardStatus.WAITLISTED)  # another meeting's
    _commit()
    needs, purposes = waiting_list.waiting_awards(meeting)
    expected = db.session.execute(waiting_list.waitlisted_with_needs(meeting)).all()
    named = [
        waiting_list.WaitingAward(
            a.id,
            a.reference,
            a.delegate.id,
            a.delegate.name,
            a.delegate.position,
            a.delegate.application_id,
        )
        for a, _need in expected
    ]
    assert needs == list(zip(named, [need for _a, need in expected], strict=True))
    assert [(w.id, n) for w, n in needs] == [
        (two_themes.id, D("500.00")),
        (no_theme.id, D("300.00")),
    ]
    assert purposes == earmarks.award_purposes([two_themes.id, no_theme.id])
    assert purposes[two_themes.id].themes == frozenset(themes)
    assert purposes[no_theme.id].themes == frozenset()


def test_waitlist_decides_with_the_purposes_it_is_given(db):
    """Rule: a caller that read the awards' purposes with them (the ranked waiting list)
    has the waiting list decide by those, without reading them again."""
    meeting = MeetingFactory()
    award = award_for("500.00", meeting=meeting, status=AwardStatus.WAITLISTED)  # African
    fund("1000.00", earmark_region=RegionalGroup.ASIA_PACIFIC)
    _commit()
    assert [c.fits for c in waiting_list.waitlist(meeting, on=TODAY)] == [False]
    asian = earmarks.Purpose(
        meeting.id, meeting.kind, meeting.starts_on.year, RegionalGroup.ASIA_PACIFIC, frozenset()
    )
    checks = waiting_list.waitlist(meeting, on=TODAY, purposes={award.id: asian})
    assert [(c.award.id, c.fits) for c in checks] == [(award.id, True)]
