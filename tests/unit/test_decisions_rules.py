"""Rules of the decisions that a mutation run found unguarded (tests/mutation): a
selection's edge cases, the application's status as its delegates are decided, what
cancelling keeps, and the waiting list's proposals after an expiry.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from sponsorship.core.errors import DomainError
from sponsorship.core.workflow import transition
from sponsorship.models import ApplicationStatus, AuditEvent, AwardStatus, CostStage, Gender
from sponsorship.review import decisions
from sponsorship.review.pricing import price
from tests.factories import (
    ApplicationFactory,
    AwardFactory,
    ContributionFactory,
    DelegateFactory,
    MeetingFactory,
    StateFactory,
    UserFactory,
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


# --- Second mutation run: who decided, why, and what the administrator reads --------

PAST = date.today() - timedelta(days=30)


def _events_since(first_id: int) -> list[AuditEvent]:
    return (
        db_session()
        .scalars(select(AuditEvent).where(AuditEvent.id > first_id).order_by(AuditEvent.id))
        .all()
    )


def db_session():
    from sponsorship.extensions import db

    return db.session


def _last_event_id() -> int:
    return db_session().scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0


def test_every_decision_is_audited_as_the_administrators_with_its_reason(db, admin, meeting):
    """Rule: every movement is audited: each status change, each commitment and release
    of money and each mail a decision makes names the administrator who made it, and a
    reason given is kept with the status change (and the release says why)."""
    ContributionFactory(amount=D(10000))
    offered, waiting, rejected = (priced(admin, meeting) for _ in range(3))
    first = _last_event_id()
    decisions.offer(admin, offered)
    decisions.waitlist(admin, waiting, reason="Queue")
    decisions.reject(admin, rejected, reason="Out of scope")
    decisions.cancel(admin, offered.award, reason="Meeting moved")
    events = _events_since(first)
    assert events and {e.actor_id for e in events} == {admin.id}
    reasons = {
        e.object_id: e.after.get("reason")
        for e in events
        if e.action == "status" and e.object_type == "Award"
    }
    assert reasons == {
        offered.award.id: "Meeting moved",
        waiting.award.id: "Queue",
        rejected.award.id: "Out of scope",
    }
    [release] = [e for e in events if e.action == "ledger.release"]
    assert release.after["reason"] == "cancelled"
    assert {e.action for e in events} >= {"award.offer", "award.notify_offer", "ledger.commit"}


def test_offer_is_audited_with_the_money_committed_and_the_deadline(db, admin, meeting):
    """Rule: the offer's audit says how much was committed and until when the applicant
    may answer; the award records when it was offered and carries no reason."""
    ContributionFactory(amount=D(10000))
    delegate = priced(admin, meeting)
    award = decisions.offer(admin, delegate, today=PAST)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "award.offer"))
    assert (event.object_type, event.object_id, event.actor_id) == ("Award", award.id, admin.id)
    assert D(event.after["committed"]) == COST
    assert event.after["deadline"] == award.offer_deadline.isoformat()
    assert award.offered_at is not None
    assert award.decision_reason is None


def test_offer_commits_money_usable_on_the_day_given(db, admin, meeting):
    """Rule: an offer made for a given day commits money usable that day: money whose
    spend-by date has passed since is still good for it."""
    ContributionFactory(amount=D(10000), spend_by=PAST + timedelta(days=1))
    award = decisions.offer(admin, priced(admin, meeting), today=PAST)
    assert committed_total(award) == COST
    result = decisions.bulk(admin, [priced(admin, meeting).id], "offer", today=PAST)
    assert result.refused == []


def _free_meeting():
    return MeetingFactory(dsa_rate=D(0), terminal_expenses=D(0))


def test_offer_and_waitlist_need_a_price_of_more_than_nothing(db, admin):
    """Rule: an award priced at nothing is not offered or waitlisted (the refusal says
    to price it); any positive price, even 1, is enough."""
    ContributionFactory(amount=D(100))
    meeting = _free_meeting()
    nothing = priced(admin, meeting, airfare="0")
    with pytest.raises(DomainError) as refused:
        decisions.offer(admin, nothing)
    assert str(refused.value) == f"Price {nothing.name} before making an offer."
    with pytest.raises(DomainError) as refused:
        decisions.waitlist(admin, nothing)
    assert str(refused.value) == (
        f"Price {nothing.name} before the waiting list: it is offered by what fits."
    )
    one, other = priced(admin, meeting, airfare="1"), priced(admin, meeting, airfare="1")
    assert decisions.offer(admin, one).status == AwardStatus.OFFERED
    assert decisions.waitlist(admin, other).status == AwardStatus.WAITLISTED


def test_decisions_save_the_callers_pending_changes_first(db, admin, meeting):
    """Rule: an offer or a cancellation made while the caller holds an unsaved change
    (a corrected name) saves that change first, rather than failing."""
    ContributionFactory(amount=D(10000))
    delegate = priced(admin, meeting)
    db.session.commit()
    # Everything the decision reads is loaded first, so no query flushes the change.
    assert delegate.award.total(CostStage.ESTIMATE) and delegate.application.status
    delegate.name = "Renamed before the offer"
    award = decisions.offer(admin, delegate)
    assert award.status and delegate.name
    delegate.name = "Renamed before cancelling"
    decisions.cancel(admin, award, reason="Meeting moved")
    db.session.expire_all()
    assert delegate.name == "Renamed before cancelling"
    assert award.status == AwardStatus.CANCELLED


@pytest.mark.parametrize("decide", ["reject", "cancel"])
@pytest.mark.parametrize("reason", [None, "", "  "])
def test_reject_and_cancel_without_a_reason_are_refused_in_words(
    db, admin, meeting, decide, reason
):
    """Rule: a rejection or a cancellation always gives the applicant a reason."""
    ContributionFactory(amount=D(10000))
    delegate = priced(admin, meeting)
    with pytest.raises(DomainError) as refused:
        if decide == "reject":
            decisions.reject(admin, delegate, reason=reason)
        else:
            decisions.cancel(admin, decisions.offer(admin, delegate), reason=reason)
    assert str(refused.value) == "Give the reason shown to the applicant."


def test_decision_on_an_application_not_submitted_is_refused_saying_its_status(db, admin):
    """Rule: only submitted applications are decided on; the refusal says its status."""
    application = ApplicationFactory(status=ApplicationStatus.DRAFT)
    delegate = DelegateFactory(application=application)
    with pytest.raises(DomainError) as refused:
        decisions.reject(admin, delegate, reason="No")
    assert str(refused.value) == ("Only a submitted application is decided on (this one is draft).")


def test_cancel_of_a_rejected_award_is_refused_naming_both_statuses(db, admin, meeting):
    """Rule: an illegal move is refused naming the delegate, where the award is and
    where it was asked to go."""
    delegate = priced(admin, meeting)
    award = decisions.reject(admin, delegate, reason="No")
    with pytest.raises(DomainError) as refused:
        decisions.cancel(admin, award, reason="Again")
    assert str(refused.value) == (
        f"{delegate.name} cannot be moved from “rejected” to “cancelled”."
    )


def test_offer_already_decided_names_who_moved_it_last_and_when(db, meeting):
    """Rule: a decision taken meanwhile by another administrator is refused naming
    that administrator (the last to move this award, not another) and the time."""
    from flask_babel import format_datetime

    first, second = UserFactory(name="First Admin"), UserFactory(name="Second Admin")
    ContributionFactory(amount=D(10000))
    delegate = priced(first, meeting)
    decisions.waitlist(first, delegate)
    decisions.offer(second, delegate)
    decisions.waitlist(first, priced(first, meeting))  # a later move of another award
    event = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == "status", AuditEvent.object_id == delegate.award.id)
        .where(AuditEvent.object_type == "Award")
        .order_by(AuditEvent.id.desc())
    )
    event.at = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)  # not now: the time is the move's
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        decisions.offer(first, delegate)
    assert str(refused.value) == (
        f"{delegate.name} was already moved to “offered” by Second Admin at "
        f"{format_datetime(event.at, 'short')}."
    )


def test_offer_already_decided_by_the_system_or_without_history_says_so(db, admin, meeting):
    """Rule: a move made by the system (an expiry) is refused as the system's; an award
    moved without any audit trail is refused naming the delegate."""
    ContributionFactory(amount=D(10000))
    expired = priced(admin, meeting)
    decisions.offer(admin, expired, today=PAST)
    decisions.expire_offers(date.today(), auto_offer=False)
    with pytest.raises(DomainError) as refused:
        decisions.offer(admin, expired)
    assert " by the system at " in str(refused.value)
    silent = priced(admin, meeting)
    silent.award.status = AwardStatus.REJECTED
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        decisions.offer(admin, silent)
    assert str(refused.value) == f"{silent.name} cannot be offered now."


def test_bulk_goes_on_after_an_unknown_delegate_and_reports_refusals_in_words(db, admin, meeting):
    """Rule: each delegate of a selection is decided on its own: an unknown one is
    reported and the next still decided; a refusal carries the reason shown."""
    unpriced = DelegateFactory(
        application=ApplicationFactory(meeting=meeting, status=ApplicationStatus.SUBMITTED)
    )
    delegate = priced(admin, meeting)
    result = decisions.bulk(admin, [999999, delegate.id, unpriced.id], "offer")
    assert result.done == []
    assert result.refused[0] == ("999999", "Not a delegate of this meeting.")
    assert result.refused[2] == (unpriced.name, f"Price {unpriced.name} before making an offer.")


@pytest.mark.parametrize("action", ["price", "offer", "waitlist", "reject"])
def test_bulk_decisions_are_the_administrators_with_the_reason(db, admin, meeting, action):
    """Rule: a decision over a selection is audited as the administrator's, with the
    reason typed."""
    from sponsorship.models import RegionalGroup
    from sponsorship.review.pricing import update_fares

    ContributionFactory(amount=D(10000))
    update_fares(admin, {region: D(900) for region in RegionalGroup})
    delegate = priced(admin, meeting)
    first = _last_event_id()
    result = decisions.bulk(admin, [delegate.id], action, reason="Typed reason", today=PAST)
    assert result.done == [delegate.name]
    events = _events_since(first)
    assert events and {e.actor_id for e in events} == {admin.id}
    if action in ("waitlist", "reject"):
        [status] = [e for e in events if e.action == "status" and e.object_type == "Award"]
        assert status.after["reason"] == "Typed reason"


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (("promote", None), "Choose a decision."),
        (("reject", " "), "Give the reason shown to the applicant."),
    ],
)
def test_bulk_malformed_request_is_refused_in_words(db, admin, words, message):
    """Rule: the refusal of a malformed selection says what to correct."""
    action, reason = words
    with pytest.raises(DomainError) as refused:
        decisions.bulk(admin, [1], action, reason=reason)
    assert str(refused.value) == message
    with pytest.raises(DomainError) as refused:
        decisions.bulk(admin, [], "offer")
    assert str(refused.value) == "Select at least one delegate."


def test_expire_offers_expires_overdue_offers_first_due_first_and_sums_the_money(db, admin):
    """Rule: every offer past its deadline expires (earliest deadline first), as the
    actor's, with its reason; their money is released and added up; an offer whose
    deadline is today still stands."""
    meeting = MeetingFactory(offer_response_days=10)
    ContributionFactory(amount=D(10000))
    later, earlier, today_due = (priced(admin, meeting) for _ in range(3))
    decisions.offer(admin, later, today=PAST + timedelta(days=1))
    decisions.offer(admin, earlier, today=PAST)
    decisions.offer(admin, today_due, today=PAST + timedelta(days=2))
    first = _last_event_id()
    result = decisions.expire_offers(PAST + timedelta(days=12), auto_offer=False, actor=admin)
    assert result.expired == [f"{d.name} ({d.award.reference})" for d in (earlier, later)]
    assert result.released == 2 * COST
    assert today_due.award.status == AwardStatus.OFFERED
    events = _events_since(first)
    assert {e.actor_id for e in events} == {admin.id}
    assert [e.after["reason"] for e in events if e.action == "status"] == ["deadline passed"] * 2
    assert [e.after["reason"] for e in events if e.action == "ledger.release"] == ["expired"] * 2


@pytest.mark.parametrize("answer", ["accepted", "extended"])
def test_expire_offers_leaves_an_offer_answered_meanwhile(db, admin, meeting, monkeypatch, answer):
    """Rule: an offer the applicant answers (or whose deadline is moved) between the
    search for overdue offers and its expiry is left alone, and the next overdue offer
    still expires: the award is re-read under its lock before acting."""
    import sqlalchemy as sa

    from sponsorship.models import Award

    ContributionFactory(amount=D(10000))
    answered, overdue = priced(admin, meeting), priced(admin, meeting)
    for delegate in (answered, overdue):
        decisions.offer(admin, delegate, today=PAST)
    today = answered.award.offer_deadline + timedelta(days=1)
    real = decisions._locked_award

    def answered_meanwhile(award_id):
        if award_id == answered.award.id:  # what another connection commits meanwhile
            values = {"status": "accepted"} if answer == "accepted" else {"offer_deadline": today}
            db.session.execute(sa.update(Award).where(Award.id == award_id).values(**values))
        return real(award_id)

    monkeypatch.setattr(decisions, "_locked_award", answered_meanwhile)
    result = decisions.expire_offers(today, auto_offer=False)
    db.session.expire_all()
    assert result.expired == [f"{overdue.name} ({overdue.award.reference})"]
    assert answered.award.status != AwardStatus.EXPIRED
    assert committed_total(answered.award) == COST


def test_expire_offers_offers_the_waitlist_when_the_settings_say_so(db, admin, app, monkeypatch):
    """Rule: with AUTO_OFFER_WAITLIST on, the waitlisted delegates the released money
    pays for are offered (as the actor's, from the day of the expiry); off, proposed,
    and the proposal is audited as the actor's."""
    meeting = MeetingFactory()
    ContributionFactory(amount=COST)
    offered, waiting = priced(admin, meeting), priced(admin, meeting)
    decisions.offer(admin, offered, today=PAST)
    decisions.waitlist(admin, waiting)
    today = offered.award.offer_deadline + timedelta(days=1)
    monkeypatch.setitem(app.config, "AUTO_OFFER_WAITLIST", True)
    first = _last_event_id()
    result = decisions.expire_offers(today, actor=admin)
    assert result.offered == [f"{waiting.name} ({waiting.award.reference})"]
    assert waiting.award.offer_deadline == today + timedelta(days=meeting.offer_response_days)
    assert {e.actor_id for e in _events_since(first)} == {admin.id}


def test_expire_offers_audits_the_proposal_as_the_actors(db, admin, meeting):
    """Rule: the proposal of waitlisted delegates after an expiry is the actor's."""
    ContributionFactory(amount=COST)
    offered, waiting = priced(admin, meeting), priced(admin, meeting)
    decisions.offer(admin, offered, today=PAST)
    decisions.waitlist(admin, waiting)
    decisions.expire_offers(
        offered.award.offer_deadline + timedelta(days=1), auto_offer=False, actor=admin
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "waitlist.proposed"))
    assert event.actor_id == admin.id


def test_ranked_waitlist_follows_the_rank_and_puts_the_unranked_last(db, admin, meeting):
    """Rule: the waiting list is offered in the queue's rank order (best rank first,
    whatever the scores or the order of creation); a delegate whose application left
    the queue comes after every ranked one."""
    from sponsorship.review.queue import Ranking

    unranked, second, first = (priced(admin, meeting) for _ in range(3))
    for delegate in (unranked, second, first):
        decisions.waitlist(admin, delegate)
    ranking = Ranking(
        inputs=None,
        rows=(
            (first.application_id, 5, ApplicationStatus.DECIDED, None),
            (second.application_id, 9, ApplicationStatus.DECIDED, None),
        ),
    )
    checks = decisions.ranked_waitlist(meeting, date.today(), ranking=ranking)
    assert [c.award.id for c in checks] == [d.award.id for d in (first, second, unranked)]


def test_ranked_waitlist_ranks_the_queue_on_the_day_asked(db, admin, meeting):
    """Rule: asked about a given day, the waiting list ranks the queue on that day: a
    State whose earlier report falls overdue by then goes after one that owes none;
    asked about today, when nothing is overdue yet, it comes first (it applied first)."""
    plain = dict(article5_deadline=None, ldc=False, oda_eligible=False)
    owing, clean = StateFactory(**plain), StateFactory(**plain)
    today = date.today()
    past = MeetingFactory(starts_on=today - timedelta(days=30), ends_on=today - timedelta(days=26))
    earlier = ApplicationFactory(meeting=past, state=owing, status=ApplicationStatus.DECIDED)
    AwardFactory(delegate=DelegateFactory(application=earlier), status=AwardStatus.ATTENDED)
    waiting = []
    for state in (owing, clean):
        application = ApplicationFactory(
            meeting=meeting, state=state, status=ApplicationStatus.SUBMITTED
        )
        delegate = DelegateFactory(application=application, gender=Gender.MALE, first_time=False)
        price(admin, delegate, airfare=D("1000"))
        decisions.waitlist(admin, delegate)
        waiting.append(delegate.award.id)
    overdue_on = past.ends_on + timedelta(days=past.report_due_days + 1)
    assert overdue_on > today

    def order(day):
        return [check.award.id for check in decisions.ranked_waitlist(meeting, day)]

    assert order(today) == waiting
    assert order(overdue_on) == waiting[::-1]


def test_expiry_proposes_the_waitlisted_by_the_money_usable_on_its_day(db, admin, meeting):
    """Rule: an expiry run for a given day proposes the waitlisted delegates that the
    money usable on that day pays for (money whose spend-by has passed since counts)."""
    ContributionFactory(amount=COST, spend_by=PAST + timedelta(days=20))
    offered, waiting = priced(admin, meeting), priced(admin, meeting)
    decisions.offer(admin, offered, today=PAST)
    decisions.waitlist(admin, waiting)
    result = decisions.expire_offers(
        offered.award.offer_deadline + timedelta(days=1), auto_offer=False
    )
    assert [p.award_id for p in result.proposals] == [waiting.award.id]


def test_offer_decided_meanwhile_is_refused_naming_who(db, admin, meeting, monkeypatch):
    """Rule: an award another administrator decides on between the page and the offer's
    row lock is refused under the lock, naming who moved it, and nothing is committed."""
    import sqlalchemy as sa

    from sponsorship.models import Award

    ContributionFactory(amount=D(10000))
    delegate = priced(admin, meeting)
    decisions.waitlist(admin, delegate)
    real = decisions._locked_award

    def rejected_meanwhile(award_id):
        db.session.execute(sa.update(Award).where(Award.id == award_id).values(status="rejected"))
        return real(award_id)

    monkeypatch.setattr(decisions, "_locked_award", rejected_meanwhile)
    with pytest.raises(DomainError) as refused:
        decisions.offer(admin, delegate)
    assert str(refused.value).startswith(f"{delegate.name} was already moved to “rejected” by ")
    assert committed_total(delegate.award) == 0


def test_auto_offer_reports_a_waitlisted_delegate_it_cannot_offer(db, admin, meeting):
    """Rule: when the released money pays for a waitlisted delegate whose application
    was withdrawn meanwhile, the automatic offer is refused and reported with its
    reason, and the others are still offered."""
    ContributionFactory(amount=2 * COST)
    offered, waiting, withdrawn = (priced(admin, meeting) for _ in range(3))
    decisions.offer(admin, offered, today=PAST)
    decisions.waitlist(admin, waiting)
    decisions.waitlist(admin, withdrawn)
    withdrawn.application.status = ApplicationStatus.WITHDRAWN
    db.session.commit()
    result = decisions.expire_offers(
        offered.award.offer_deadline + timedelta(days=1), auto_offer=True, actor=admin
    )
    assert result.offered == [f"{waiting.name} ({waiting.award.reference})"]
    assert result.refused == [
        (
            f"{withdrawn.name} ({withdrawn.award.reference})",
            "Only a submitted application is decided on (this one is withdrawn).",
        )
    ]
