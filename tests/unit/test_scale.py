"""`seed-scale` writes a programme whose books balance, in counts that grow with the years,
and the same seed gives the same rows."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from sponsorship import create_app
from sponsorship.accounts import services as accounts
from sponsorship.core.errors import DomainError
from sponsorship.devdata import scale
from sponsorship.devdata.scale.funds import Books, Fund
from sponsorship.extensions import db as _db
from sponsorship.funding.books import check_books
from sponsorship.funding.earmarks import Purpose, award_purposes
from sponsorship.models import (
    Allocation,
    AllocationStatus,
    Application,
    AuditEvent,
    Award,
    AwardStatus,
    Contribution,
    Delegate,
    DelegateReport,
    Letter,
    Meeting,
    MeetingKind,
    RegionalGroup,
    Theme,
    User,
)
from sponsorship.people.matching import group
from tests.conftest import _reset_schema, make_config

TODAY = date(2026, 11, 28)


def _count(model) -> int:
    return _db.session.scalar(select(func.count()).select_from(model))


def test_seed_scale_cli_leaves_books_that_funds_check_passes(runner):
    result = runner.invoke(args=["seed-scale", "--years", "1", "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "1000 applications" in result.output
    check = runner.invoke(args=["funds", "check"])
    assert check.exit_code == 0, check.output
    assert "50 contributions checked, 0 with mismatches" in check.output


def test_seed_scale_counts_grow_with_years(db):
    result = scale.seed_scale(years=2, seed=3, today=TODAY)
    assert (result.meetings, _count(Meeting)) == (4, 4)
    assert result.applications == _count(Application) == 4 * scale.APPLICATIONS_PER_MEETING
    assert result.contributions == _count(Contribution) == 2 * scale.CONTRIBUTIONS_PER_YEAR
    # One to three delegates per application, two on average.
    assert 1.8 < _count(Delegate) / result.applications < 2.2
    assert result.audit_events == _count(AuditEvent) > result.awards
    assert result.letters == _count(Letter) > 0
    assert result.reports == _count(DelegateReport) > 0
    assert all(line.ok for line in check_books())


def test_seed_scale_allocations_follow_each_award_fate(db):
    scale.seed_scale(years=2, seed=4, today=TODAY)
    rows = db.session.execute(
        select(Award.status, Award.reconciled_at.is_not(None), Allocation.status)
        .join(Allocation, Allocation.award_id == Award.id)
        .distinct()
    ).all()
    seen = {(AwardStatus(a), reconciled, AllocationStatus(s)) for a, reconciled, s in rows}
    # Money is only ever held for live offers or awards not yet reconciled...
    for award_status, reconciled, allocation_status in seen:
        if allocation_status == AllocationStatus.COMMITTED:
            assert award_status in (AwardStatus.OFFERED, AwardStatus.ACCEPTED) or not reconciled
        if award_status in (AwardStatus.DECLINED, AwardStatus.EXPIRED):
            assert allocation_status == AllocationStatus.RELEASED
    # ...and the run holds each kind: outstanding offers, declined money, spent money.
    assert (AwardStatus.OFFERED, False, AllocationStatus.COMMITTED) in seen
    assert (AwardStatus.DECLINED, False, AllocationStatus.RELEASED) in seen
    assert (AwardStatus.ATTENDED, True, AllocationStatus.SPENT) in seen


def test_seed_scale_allocations_obey_the_ledgers_earmarks(db):
    scale.seed_scale(years=1, seed=7, today=TODAY)
    rows = db.session.execute(
        select(Allocation.award_id, Allocation.created_at, Contribution).join(
            Contribution, Allocation.contribution_id == Contribution.id
        )
    ).all()
    purposes = award_purposes({award_id for award_id, _at, _c in rows})
    assert rows
    for award_id, created_at, c in rows:
        on = created_at.date()
        assert c.received_on <= on
        assert purposes[award_id].allows(c, on), (award_id, c.reference)


D = Decimal


def _fund(fund_id: int, received_on: date, **earmarks) -> Fund:
    return Fund(fund_id, f"F{fund_id}", received_on, None, None, None, None, D(1000), **earmarks)


def test_scale_books_pay_by_the_ledgers_rules():
    books = Books()
    books.funds += [
        _fund(1, date(2025, 1, 1)),
        _fund(2, date(2025, 1, 1), earmark_theme=Theme.VICTIM_ASSISTANCE),
        _fund(3, date(2025, 1, 1), earmark_meeting_id=7),
        _fund(4, date(2025, 9, 1)),  # not received yet on the day the books are open
    ]
    books.open_on(date(2025, 6, 1))
    general = Purpose(8, MeetingKind.MSP, 2025, RegionalGroup.AFRICAN, frozenset({Theme.GENERAL}))
    assert books.commit(general, D(1500)) == [], "only fund 1 allows it, and it falls short"
    victims = Purpose(
        7, MeetingKind.MSP, 2025, RegionalGroup.AFRICAN, frozenset({Theme.VICTIM_ASSISTANCE})
    )
    # The most restricted money first (2 and 3, one earmark each, in id order), then 1.
    takes = books.commit(victims, D(2500))
    assert [(f.id, take) for f, take in takes] == [(2, D(1000)), (3, D(1000)), (1, D(500))]
    # Fund 4 is still a pledge: nothing available, as the model says of a pledge.
    assert {f.id: f.available for f in books.funds} == {1: D(500), 2: 0, 3: 0, 4: 0}


def test_seed_scale_accounts_log_in_with_the_published_password(db):
    scale.seed_scale(years=1, seed=5, today=TODAY)
    user = accounts.authenticate(scale.ADMIN_EMAIL, scale.SCALE_PASSWORD)
    assert user is not None and user.is_admin
    donor = db.session.scalar(select(User).where(User.email == "donor1@scale.test"))
    assert accounts.authenticate(donor.email, scale.SCALE_PASSWORD) is not None


def test_seed_scale_refuses_a_database_with_accounts(db):
    scale.seed_scale(years=1, seed=6, today=TODAY)
    with pytest.raises(DomainError):
        scale.seed_scale(years=1, seed=6, today=TODAY)


def _digest(tmp_path, name: str, seed: int) -> str:
    app = create_app(make_config(f"sqlite:///{tmp_path / name}"))
    _reset_schema(app)
    with app.app_context():
        scale.seed_scale(years=1, seed=seed, today=TODAY)
        h = hashlib.sha256()
        for model in (Application, Delegate, Award, Allocation, Letter, AuditEvent):
            table = model.__table__
            for row in _db.session.execute(select(table).order_by(table.c.id)):
                h.update(repr(tuple(row)).encode())
        _db.session.remove()
        _db.engine.dispose()
    return h.hexdigest()


def test_seed_scale_same_seed_gives_same_rows(tmp_path):
    first = _digest(tmp_path, "a.db", seed=9)
    assert _digest(tmp_path, "b.db", seed=9) == first
    assert _digest(tmp_path, "c.db", seed=10) != first


def test_seed_scale_links_returning_delegates_as_the_people_rule_would(db):
    scale.seed_scale(years=2, seed=3, today=TODAY)
    rows = db.session.execute(
        select(Delegate.id, Delegate.passport_number, Delegate.email, Delegate.person_id).order_by(
            Delegate.id
        )
    ).all()
    linked: dict[int | None, list[int]] = {}
    for delegate_id, _passport, _email, person_id in rows:
        linked.setdefault(person_id, []).append(delegate_id)
    assert None not in linked
    # The people rule, run afresh over the same papers, finds the same people.
    assert sorted(group((d, p, e) for d, p, e, _ in rows)) == sorted(linked.values())
    returning = sum(1 for ids in linked.values() if len(ids) > 1)
    assert 0 < returning < len(linked) / 4
