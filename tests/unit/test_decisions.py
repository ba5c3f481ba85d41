"""Offer, waitlist, reject, bulk, expiry and the end of the meeting, through the ledger."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from sponsorship import extensions
from sponsorship.core.errors import DomainError, InvalidTransition
from sponsorship.core.workflow import transition
from sponsorship.funding import balances, ledger
from sponsorship.models import (
    Allocation,
    AllocationStatus,
    ApplicationStatus,
    AuditEvent,
    AwardStatus,
    Contribution,
    CostStage,
    RegionalGroup,
)
from sponsorship.review import after_meeting, decisions
from sponsorship.review.pricing import price
from tests.factories import (
    ApplicationFactory,
    ContributionFactory,
    DelegateFactory,
    MeetingFactory,
    StateFactory,
    UserFactory,
)

D = Decimal
#: One session (1 night at 412) + terminal 200 + airfare 1000.
COST = D("1612.00")


@pytest.fixture
def admin(db):
    return UserFactory()


@pytest.fixture
def meeting(db):
    return MeetingFactory()


def priced(admin, meeting, airfare="1000", **state):
    application = ApplicationFactory(
        meeting=meeting, state=StateFactory(**state), status=ApplicationStatus.SUBMITTED
    )
    delegate = DelegateFactory(application=application)
    price(admin, delegate, airfare=D(airfare))
    return delegate


def committed_total(award) -> Decimal:
    return balances.award_committed(award.id)


def test_offer_commits_estimate_and_sets_deadline(db, admin, meeting):
    fund = ContributionFactory(amount=D("5000"))
    delegate = priced(admin, meeting)
    today = date.today()
    award = decisions.offer(admin, delegate, today=today)
    assert award.status == AwardStatus.OFFERED
    assert award.offer_deadline == today + timedelta(days=meeting.offer_response_days)
    assert committed_total(award) == COST
    db.session.refresh(fund)
    assert fund.committed == COST
    assert delegate.application.status == ApplicationStatus.DECIDED


def test_offer_beyond_earmarked_funds_is_refused_and_nothing_is_written(db, admin, meeting):
    ContributionFactory(amount=D("100000"), earmark_region=RegionalGroup.ASIA_PACIFIC)
    small = ContributionFactory(amount=D("1000"))
    delegate = priced(admin, meeting, regional_group=RegionalGroup.AFRICAN)
    events_before = db.session.scalar(select(func.count(AuditEvent.id)))
    with pytest.raises(ledger.InsufficientFunds) as refused:
        decisions.offer(admin, delegate)
    assert "falls short by" in str(refused.value)
    db.session.expire_all()
    award = delegate.award
    assert award.status == AwardStatus.PENDING
    assert award.offer_deadline is None
    assert db.session.scalar(select(func.count(Allocation.id))) == 0
    assert db.session.scalar(select(func.sum(Contribution.committed))) == 0
    assert small.committed == 0
    assert delegate.application.status == ApplicationStatus.SUBMITTED
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events_before


def test_offer_unpriced_is_refused(db, admin, meeting):
    ContributionFactory()
    delegate = DelegateFactory(
        application=ApplicationFactory(meeting=meeting, status=ApplicationStatus.SUBMITTED)
    )
    with pytest.raises(DomainError, match="Price"):
        decisions.offer(admin, delegate)


def test_offer_rejected_delegate_is_refused_by_the_service(db, admin, meeting):
    ContributionFactory()
    delegate = priced(admin, meeting)
    decisions.reject(admin, delegate, reason="Cap reached")
    with pytest.raises(InvalidTransition):
        decisions.offer(admin, delegate)
    assert committed_total(delegate.award) == 0


def test_offer_twice_commits_once(db, admin, meeting):
    ContributionFactory()
    delegate = priced(admin, meeting)
    decisions.offer(admin, delegate)
    with pytest.raises(DomainError):
        decisions.offer(admin, delegate)
    assert committed_total(delegate.award) == COST


def test_offer_already_made_by_another_says_who_and_when(db, admin, meeting):
    ContributionFactory()
    delegate = priced(admin, meeting)
    first = UserFactory(name="Ada Offerer")
    decisions.offer(first, delegate)
    with pytest.raises(InvalidTransition, match=r"already moved to “offered” by Ada Offerer at "):
        decisions.offer(admin, delegate)
    assert committed_total(delegate.award) == COST


def test_offer_of_draft_application_is_refused(db, admin, meeting):
    ContributionFactory()
    delegate = priced(admin, meeting)
    delegate.application.status = ApplicationStatus.DRAFT
    db.session.commit()
    with pytest.raises(DomainError):
        decisions.offer(admin, delegate)


def test_offer_deadline_never_reaches_the_meeting():
    meeting = MeetingFactory.build(starts_on=date(2026, 6, 16), offer_response_days=14)
    assert decisions.offer_deadline(meeting, date(2026, 6, 10)) == date(2026, 6, 15)
    assert decisions.offer_deadline(meeting, date(2026, 5, 1)) == date(2026, 5, 15)


def test_reject_without_reason_is_refused(db, admin, meeting):
    delegate = priced(admin, meeting)
    with pytest.raises(DomainError):
        decisions.reject(admin, delegate, reason="  ")
    assert delegate.award.status == AwardStatus.PENDING


def test_reject_keeps_reason_for_applicant(db, admin, meeting):
    delegate = priced(admin, meeting)
    award = decisions.reject(admin, delegate, reason="Two delegates from the region funded.")
    assert award.status == AwardStatus.REJECTED
    assert award.decision_reason == "Two delegates from the region funded."
    assert delegate.application.status == ApplicationStatus.DECIDED


def test_waitlist_unpriced_is_refused(db, admin, meeting):
    delegate = DelegateFactory(
        application=ApplicationFactory(meeting=meeting, status=ApplicationStatus.SUBMITTED)
    )
    with pytest.raises(DomainError, match="Price"):
        decisions.waitlist(admin, delegate)


def test_application_stays_in_review_while_a_delegate_is_pending(db, admin, meeting):
    first = priced(admin, meeting)
    DelegateFactory(application=first.application)
    decisions.waitlist(admin, first)
    assert first.application.status == ApplicationStatus.IN_REVIEW


def test_bulk_offer_goes_on_after_a_refusal_and_reports_it(db, admin, meeting):
    ContributionFactory(amount=D("3300"))
    delegates = [priced(admin, meeting) for _ in range(3)]
    result = decisions.bulk(
        admin, [d.id for d in delegates], decisions.Action.OFFER, meeting_id=meeting.id
    )
    assert result.done == [delegates[0].name, delegates[1].name]
    assert [name for name, _ in result.refused] == [delegates[2].name]
    assert delegates[2].award.status == AwardStatus.PENDING


def test_bulk_reject_needs_reason(db, admin, meeting):
    delegate = priced(admin, meeting)
    with pytest.raises(DomainError):
        decisions.bulk(admin, [delegate.id], decisions.Action.REJECT)


def test_bulk_refuses_delegate_of_other_meeting(db, admin, meeting):
    delegate = priced(admin, meeting)
    result = decisions.bulk(
        admin, [delegate.id], decisions.Action.WAITLIST, meeting_id=meeting.id + 1
    )
    assert result.done == []
    assert delegate.award.status == AwardStatus.PENDING


def test_bulk_price_uses_defaults(db, admin, meeting):
    from sponsorship.review.pricing import update_fares

    update_fares(admin, {RegionalGroup.AFRICAN: D("1450")})
    delegate = DelegateFactory(
        application=ApplicationFactory(meeting=meeting, status=ApplicationStatus.SUBMITTED)
    )
    result = decisions.bulk(admin, [delegate.id], decisions.Action.PRICE)
    assert result.done == [delegate.name]
    assert delegate.award.total() == D("1450") + D("412") + D("200")


def _offered_and_waitlisted(admin, meeting, today):
    ContributionFactory(amount=D("2000"))
    offered = priced(admin, meeting)
    waiting = priced(admin, meeting)
    decisions.offer(admin, offered, today=today)
    decisions.waitlist(admin, waiting)
    return offered, waiting


def test_expire_offers_releases_money_and_proposes_waitlisted(db, admin, meeting):
    today = date.today()
    offered, waiting = _offered_and_waitlisted(admin, meeting, today)
    assert [c.fits for c in decisions.ranked_waitlist(meeting, today)] == [False]
    later = offered.award.offer_deadline + timedelta(days=1)

    result = decisions.expire_offers(later, auto_offer=False)

    assert result.expired == [f"{offered.name} ({offered.award.reference})"]
    assert result.released == COST
    assert [p.award_id for p in result.proposals] == [waiting.award.id]
    assert offered.award.status == AwardStatus.EXPIRED
    assert waiting.award.status == AwardStatus.WAITLISTED
    assert committed_total(offered.award) == 0
    rows = db.session.scalars(select(Allocation).where(Allocation.award_id == offered.award.id))
    assert {a.status for a in rows} == {AllocationStatus.RELEASED}


def test_expire_offers_with_auto_offer_offers_waitlisted(db, admin, meeting):
    today = date.today()
    offered, waiting = _offered_and_waitlisted(admin, meeting, today)
    later = offered.award.offer_deadline + timedelta(days=1)
    result = decisions.expire_offers(later, auto_offer=True)
    assert result.offered == [f"{waiting.name} ({waiting.award.reference})"]
    assert waiting.award.status == AwardStatus.OFFERED
    assert committed_total(waiting.award) == COST


def test_expire_offers_twice_changes_nothing_more(db, admin, meeting):
    today = date.today()
    offered, _waiting = _offered_and_waitlisted(admin, meeting, today)
    later = offered.award.offer_deadline + timedelta(days=1)
    decisions.expire_offers(later, auto_offer=False)
    again = decisions.expire_offers(later, auto_offer=False)
    assert again.expired == []
    assert again.released == 0


def test_expire_offers_leaves_offer_on_its_deadline_day(db, admin, meeting):
    today = date.today()
    offered, _waiting = _offered_and_waitlisted(admin, meeting, today)
    result = decisions.expire_offers(offered.award.offer_deadline, auto_offer=False)
    assert result.expired == []
    assert offered.award.status == AwardStatus.OFFERED


def _accepted(admin, meeting):
    ContributionFactory()
    delegate = priced(admin, meeting)
    award = decisions.offer(admin, delegate)
    transition(award, AwardStatus.ACCEPTED, None)
    extensions.db.session.commit()
    return award


def test_attendance_before_meeting_is_refused(db, admin, meeting):
    award = _accepted(admin, meeting)
    with pytest.raises(DomainError):
        after_meeting.record_attendance(admin, award, True, today=meeting.starts_on - timedelta(1))


def test_attendance_of_offer_not_accepted_is_refused(db, admin, meeting):
    ContributionFactory()
    award = decisions.offer(admin, priced(admin, meeting))
    with pytest.raises(InvalidTransition):
        after_meeting.record_attendance(admin, award, True, today=meeting.starts_on)


def test_approved_payments_and_reconcile_release_the_unspent(db, admin, meeting):
    from tests.payment_data import approved_payment, second_admin

    award = _accepted(admin, meeting)
    after_meeting.record_attendance(admin, award, True, today=meeting.starts_on)
    other = second_admin()
    approved_payment(admin, other, award, D("900"), kind="ticket")
    approved_payment(admin, other, award, D("412"))
    assert award.total(CostStage.ACTUAL) == D("1312")
    result = after_meeting.reconcile(admin, award)
    # The payments spent their money when approved; reconciliation releases the rest.
    assert (result.actual, result.spent, result.released) == (D("1312"), 0, COST - D("1312"))
    assert award.reconciled_at is not None
    with pytest.raises(DomainError):
        approved_payment(admin, other, award, D("1"))
    assert award.total(CostStage.ACTUAL) == D("1312")


def test_report_received_and_overdue(db, admin, meeting):
    award = _accepted(admin, meeting)
    after_meeting.record_attendance(admin, award, True, today=meeting.starts_on)
    due = meeting.ends_on + timedelta(days=meeting.report_due_days)
    assert not after_meeting.report_overdue(award, due)
    assert after_meeting.report_overdue(award, due + timedelta(days=1))
    after_meeting.mark_report_received(admin, award)
    assert not after_meeting.report_overdue(award, due + timedelta(days=1))


def test_cancel_offer_releases_money(db, admin, meeting):
    ContributionFactory()
    award = decisions.offer(admin, priced(admin, meeting))
    assert decisions.cancel(admin, award, reason="Meeting moved online") == COST
    assert award.status == AwardStatus.CANCELLED
    assert committed_total(award) == 0


def test_offer_queues_offer_mail_to_the_states_applicants(db, admin, meeting):
    from sponsorship.models import OutboxMessage, Role

    ContributionFactory()
    delegate = priced(admin, meeting)
    UserFactory(role=Role.APPLICANT, state=delegate.application.state)
    decisions.offer(admin, delegate)
    messages = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "award.offer")
    ).all()
    assert len(messages) == 1
    assert messages[0].object_id == delegate.award.id


def test_offer_refused_for_money_queues_no_mail(db, admin, meeting):
    from sponsorship.models import OutboxMessage, Role

    delegate = priced(admin, meeting)
    UserFactory(role=Role.APPLICANT, state=delegate.application.state)
    with pytest.raises(ledger.InsufficientFunds):
        decisions.offer(admin, delegate)
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
