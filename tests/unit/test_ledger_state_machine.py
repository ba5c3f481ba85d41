"""Random sequences of contribute / receive / allocate / release / reconcile keep the books.

After every step: each contribution's balances equal its allocation rows, nothing is
over-committed, every award is funded whole or not at all, every allocation row has its
audit event, and whether an allocation succeeds matches an independent count of the money
its earmarks allow.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from sponsorship.core import money
from sponsorship.core.errors import DomainError
from sponsorship.extensions import db
from sponsorship.funding import balances, books, ledger, reconciliation
from sponsorship.funding.contributions import Earmarks, Receipt, receive, record_contribution
from sponsorship.funding.ledger import InsufficientFunds
from sponsorship.funding.reconciliation import Overspend
from sponsorship.models import (
    Allocation,
    AllocationStatus,
    Application,
    AuditEvent,
    Award,
    AwardCostLine,
    AwardStatus,
    Contribution,
    ContributionStatus,
    ConventionStatus,
    CostKind,
    CostStage,
    Donor,
    Meeting,
    MeetingKind,
    RegionalGroup,
    Role,
    Theme,
    User,
)
from tests.ledger_data import STARTS, TODAY, D, airfare_award, ledger_meeting, party_and_outsider

amounts = st.decimals(min_value=D("0.01"), max_value=D("4000"), places=2)
#: (currency, rate): CHF is the base currency and converts at 1.
RATES = [("CHF", D("1")), ("EUR", D("0.9381")), ("NOK", D("0.07923456"))]
rates = st.sampled_from(RATES)
#: Earmark choices, by name; resolved against the example's meeting in `_earmarks`.
earmark_choices = st.sampled_from(
    ["none", "this meeting", "this kind", "other kind", "year", "african", "victim", "univ"]
)
expiry_choices = st.sampled_from([None, TODAY - timedelta(days=1), TODAY, date(2027, 1, 1)])


class LedgerMachine(RuleBasedStateMachine):
    contributions = Bundle("contributions")
    awards = Bundle("awards")

    def __init__(self) -> None:
        super().__init__()
        # Each example runs inside a savepoint of the test's connection, undone at teardown.
        db.session.close()
        self.savepoint = db.session.bind.begin_nested()
        self.estimates: dict[int, Decimal] = {}
        self.serial = 0

    def teardown(self) -> None:
        db.session.close()
        self.savepoint.rollback()

    # --- setup -----------------------------------------------------------------------

    @initialize()
    def programme(self) -> None:
        # Built once per test (see `_programme`); each example only reloads it.
        ids = type(self).ids
        self.meeting = db.session.get(Meeting, ids["meeting"])
        self.applications = [db.session.get(Application, i) for i in ids["applications"]]
        self.admin = db.session.get(User, ids["admin"])
        self.donor = db.session.get(Donor, ids["donor"])

    # --- rules -----------------------------------------------------------------------

    def _earmarks(self, choice: str) -> Earmarks:
        return {
            "none": Earmarks(),
            "this meeting": Earmarks(meeting_id=self.meeting.id),
            "this kind": Earmarks(meeting_kind=MeetingKind.INTERSESSIONAL),
            "other kind": Earmarks(meeting_kind=MeetingKind.MSP),
            "year": Earmarks(year=STARTS.year),
            "african": Earmarks(region=RegionalGroup.AFRICAN),
            "victim": Earmarks(theme=Theme.VICTIM_ASSISTANCE),
            "univ": Earmarks(theme=Theme.UNIVERSALIZATION),
        }[choice]

    @rule(
        target=contributions,
        amount=amounts,
        fx=rates,
        earmark=earmark_choices,
        spend_by=expiry_choices,
        received=st.booleans(),
    )
    def contribute(self, amount, fx, earmark, spend_by, received):
        self.serial += 1
        currency, rate = fx
        c = record_contribution(
            self.admin,
            donor_id=self.donor.id,
            reference=f"SM-{self.serial}",
            currency=currency,
            amount=amount,
            pledged_on=TODAY - timedelta(days=30),
            earmarks=self._earmarks(earmark),
            spend_by=spend_by,
            receipt=Receipt(TODAY, rate, TODAY) if received else None,
        )
        return c.id

    @rule(contribution_id=contributions, moved=st.booleans())
    def receive(self, contribution_id, moved):
        c = db.session.get(Contribution, contribution_id)
        # The rate on the day of receipt: the pledge's, or one that moved since.
        rate = {"CHF": D("1"), "EUR": D("0.95"), "NOK": D("0.0801")}[c.currency]
        if not moved:
            rate = dict(RATES)[c.currency]
        receipt = Receipt(TODAY, rate, TODAY)
        if c.status != ContributionStatus.PLEDGED:
            with pytest.raises(DomainError, match="Only a pledged"):
                receive(self.admin, contribution_id, receipt)
            return
        receive(self.admin, contribution_id, receipt)
        assert c.base_amount == money.to_base(c.amount, rate)

    @rule(target=awards, cost=amounts, who=st.integers(0, 1))
    def new_award(self, cost, who):
        self.serial += 1
        award = airfare_award(
            f"SM-A-{self.serial}",
            cost,
            name=f"D{self.serial}",
            email=f"d{self.serial}@example.org",
            nationality="QXA",
            application=self.applications[who],
        )
        db.session.add(award)
        db.session.commit()
        self.estimates[award.id] = cost
        return award.id

    def _allowed_money(self, award_id: int) -> Decimal:
        """Independently of the engine: what the earmarks let this award use."""
        award = db.session.get(Award, award_id)
        application = award.delegate.application
        themes = {s.theme for s in application.sessions}
        if application.state.convention_status != ConventionStatus.STATE_PARTY:
            themes.add(Theme.UNIVERSALIZATION)
        total = D(0)
        for c in db.session.scalars(select(Contribution)):
            if c.status != ContributionStatus.RECEIVED:
                continue
            if c.spend_by is not None and c.spend_by < TODAY:
                continue
            if c.earmark_meeting_id not in (None, self.meeting.id):
                continue
            if c.earmark_meeting_kind not in (None, MeetingKind.INTERSESSIONAL):
                continue
            if c.earmark_year not in (None, STARTS.year):
                continue
            if c.earmark_region not in (None, application.state.regional_group):
                continue
            if c.earmark_theme is not None and c.earmark_theme not in themes:
                continue
            total += c.base_amount - c.committed - c.spent
        return total

    @rule(award_id=awards)
    def allocate(self, award_id):
        award = db.session.get(Award, award_id)
        committed = balances.award_committed(award_id)
        need = self.estimates[award_id] - committed
        fundable = award.status in ledger.FUNDABLE and award.reconciled_at is None
        enough = self._allowed_money(award_id) >= need
        try:
            funding = ledger.allocate(award_id, self.admin, on=TODAY)
        except InsufficientFunds:
            assert fundable and need > 0 and not enough
        except DomainError:
            assert not fundable or need <= 0
        else:
            assert fundable and need > 0 and enough
            assert funding.amount == need
            assert balances.award_committed(award_id) == self.estimates[award_id]

    @rule(award_id=awards)
    def release(self, award_id):
        committed = balances.award_committed(award_id)
        assert ledger.release(award_id, self.admin, reason="declined") == committed
        assert balances.award_committed(award_id) == 0

    @rule(
        award_id=awards,
        actual=st.one_of(st.just(D(0)), amounts),
        decision=st.sampled_from([None, Overspend.ALLOCATE, Overspend.ABSORB]),
    )
    def reconcile(self, award_id, actual, decision):
        award = db.session.get(Award, award_id)
        if award.reconciled_at is not None:
            with pytest.raises(DomainError, match="already reconciled"):
                reconciliation.reconcile(award_id, self.admin, overspend=decision, on=TODAY)
            return
        award.status = AwardStatus.ATTENDED
        if actual:
            award.cost_lines.append(
                AwardCostLine(
                    kind=CostKind.AIRFARE,
                    stage=CostStage.ACTUAL,
                    quantity=D(1),
                    unit_amount=actual,
                    amount=actual,
                )
            )
        db.session.commit()
        actual = award.total(CostStage.ACTUAL)  # earlier refused attempts left their lines
        committed = balances.award_committed(award_id)
        excess = actual - committed
        enough = self._allowed_money(award_id) >= excess
        try:
            result = reconciliation.reconcile(award_id, self.admin, overspend=decision, on=TODAY)
        except InsufficientFunds:
            assert excess > 0 and decision == Overspend.ALLOCATE and not enough
        except DomainError:
            assert excess > 0 and decision is None
        else:
            expected = actual if excess <= 0 or decision == Overspend.ALLOCATE else committed
            assert result.spent == expected
            assert result.released == max(committed - actual, D(0))
            assert balances.award_committed(award_id) == 0

    # --- invariants ------------------------------------------------------------------

    @invariant()
    def books_balance(self):
        if not hasattr(self, "meeting"):
            return
        for line in books.check_books():
            assert line.ok, line.problems
        # Every award is funded whole or not at all (estimates never change here).
        for award_id, committed in db.session.execute(
            select(Allocation.award_id, func.sum(Allocation.amount))
            .where(Allocation.status == AllocationStatus.COMMITTED)
            .group_by(Allocation.award_id)
        ):
            assert committed == self.estimates[award_id]
        # Every allocation row has its audit event.
        unaudited = select(AuditEvent.id).where(
            AuditEvent.object_type == "Allocation", AuditEvent.object_id == Allocation.id
        )
        assert db.session.scalar(select(func.count(Allocation.id)).where(~unaudited.exists())) == 0


def _programme() -> dict:
    """A meeting with two sessions, an African State Party serving victim assistance and
    an Asia-Pacific State not party serving mine clearance, an administrator, a donor."""
    meeting = ledger_meeting(
        "Machine meeting", ("VA", Theme.VICTIM_ASSISTANCE), ("A5", Theme.MINE_CLEARANCE)
    )
    party, outsider = party_and_outsider(("QXA", "Party"), ("QXB", "Outsider"))
    va, a5 = meeting.sessions
    applications = [
        Application(meeting=meeting, state=party, sessions=[va]),
        Application(meeting=meeting, state=outsider, sessions=[a5]),
    ]
    admin = User(email="machine@example.org", name="M", role=Role.ADMINISTRATOR)
    donor = Donor(name="Machine donor")
    db.session.add_all([meeting, *applications, admin, donor])
    db.session.commit()
    return {
        "meeting": meeting.id,
        "applications": [a.id for a in applications],
        "admin": admin.id,
        "donor": donor.id,
    }


def test_ledger_state_machine_keeps_the_books(db, monkeypatch):
    monkeypatch.setattr(LedgerMachine, "ids", _programme(), raising=False)
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=200,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
