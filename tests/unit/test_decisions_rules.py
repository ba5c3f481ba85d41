"""Rules of the decisions that a mutation run found unguarded (tests/mutation): a
selection's edge cases, the application's status as its delegates are decided, what
cancelling keeps, and the waiting list's proposals after an expiry.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from sponsorship.core.errors import DomainError
from sponsorship.core.workflow import transition
from sponsorship.models import ApplicationStatus, AuditEvent, AwardStatus
from sponsorship.review import decisions
from sponsorship.review.pricing import price
from tests.factories import (
    ApplicationFactory,
    ContributionFactory,
    DelegateFactory,
    MeetingFactory,
    StateFactory,
)
from tests.unit.test_decisions import COST, D, committed_total, priced


@pytest.fixture
def meeting(db):
    return MeetingFactory()


@pytest.mark.parametrize(
    ("ids", "action", "reason", "message"),
    [
        ([1], "promote", None, "Choose a decision"),
        ([1], "reject", "  ", "Give the reason"),
        ([], "offer", None, "Select at least one delegate"),
    ],
)
def test_bulk_refuses_a_malformed_request_whole(db, admin, ids, action, reason, message):
    """Rule: a selection without a known decision, a rejection without a reason, or no
    delegates at all is refused before anything is done."""
    with pytest.raises(DomainError, match=message):
        decisions.bulk(admin, ids, action, reason=reason)


def test_bulk_decides_each_delegate_once_in_the_order_given(db, admin, meeting):
    """Rule: a delegate selected twice is decided once; unknown ids are reported."""
    first, second = priced(admin, meeting), priced(admin, meeting)
    result = decisions.bulk(
        admin, [second.id, first.id, second.id, 999999], "waitlist", meeting_id=meeting.id
    )
    assert result.done == [second.name, first.name]
    assert result.refused == [("999999", "Not a delegate of this meeting.")]
    assert {first.award.status, second.award.status} == {AwardStatus.WAITLISTED}


def test_bulk_reject_gives_each_the_reason(db, admin, meeting):
    """Rule: a bulk rejection records the reason the applicants see."""
    delegate = priced(admin, meeting)
    result = decisions.bulk(admin, [delegate.id], "reject", reason=" Budget ", meeting_id=None)
    assert result.done == [delegate.name]
    assert delegate.award.status == AwardStatus.REJECTED
    assert delegate.award.decision_reason == "Budget"


def test_application_is_decided_when_its_last_delegate_is(db, admin, meeting):
    """Rule: the first decision puts the application in review; it is decided once no
    delegate awaits a decision."""
    application = ApplicationFactory(
        meeting=meeting, state=StateFactory(), status=ApplicationStatus.SUBMITTED
    )
    one, two = DelegateFactory(application=application), DelegateFactory(application=application)
    for delegate in (one, two):
        price(admin, delegate, airfare=D(1000))
    decisions.waitlist(admin, one)
    assert application.status == ApplicationStatus.IN_REVIEW
    decisions.reject(admin, two, reason="Too late")
    assert application.status == ApplicationStatus.DECIDED


def test_waitlist_with_an_empty_reason_records_none(db, admin, meeting):
    """Rule: an empty reason is no reason."""
    delegate = priced(admin, meeting)
    decisions.waitlist(admin, delegate, reason="")
    event = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == "status", AuditEvent.object_id == delegate.award.id)
        .order_by(AuditEvent.id.desc())
    )
    assert "reason" not in event.after
    assert delegate.award.status == AwardStatus.WAITLISTED


def test_cancel_needs_a_reason(db, admin, meeting):
    """Rule: a cancellation always says why."""
    ContributionFactory()
    award = decisions.offer(admin, priced(admin, meeting))
    with pytest.raises(DomainError, match="reason"):
        decisions.cancel(admin, award, reason="   ")
    assert award.status == AwardStatus.OFFERED


def test_cancel_accepted_sponsorship_keeps_its_money(db, admin, meeting):
    """Rule: an accepted sponsorship's money stays committed when it is cancelled
    (tickets may be bought); it is settled by reconciliation."""
    ContributionFactory()
    award = decisions.offer(admin, priced(admin, meeting))
    transition(award, AwardStatus.ACCEPTED, admin)
    db.session.commit()
    assert decisions.cancel(admin, award, reason="Visa refused") == 0
    assert award.status == AwardStatus.CANCELLED
    assert award.decision_reason == "Visa refused"
    assert committed_total(award) == COST


def test_expire_offers_proposes_and_audits_the_waitlisted_that_fit(db, admin, meeting):
    """Rule: after an expiry the waitlisted delegates the money now pays for are
    proposed with what they need, and the proposal is audited on the meeting."""
    today = date.today()
    ContributionFactory(amount=COST)
    offered = priced(admin, meeting)
    decisions.offer(admin, offered, today=today)
    waiting = priced(admin, meeting)
    decisions.waitlist(admin, waiting)
    result = decisions.expire_offers(
        offered.award.offer_deadline + timedelta(days=1), auto_offer=False
    )
    [proposal] = result.proposals
    assert (proposal.award_id, proposal.cost, proposal.meeting_id) == (
        waiting.award.id,
        COST,
        meeting.id,
    )
    assert (proposal.reference, proposal.delegate) == (waiting.award.reference, waiting.name)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "waitlist.proposed"))
    assert event.object_id == meeting.id
    assert event.after == {"awards": [waiting.award.reference]}
