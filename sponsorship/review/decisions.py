"""Deciding on delegates and running the offers to the end of the meeting.

Offer, waitlist, reject (one by one or over a selection); expire overdue offers and
find the waitlisted delegates the released money now pays for; after the meeting,
attendance, actual costs, reconciliation and the delegates' reports.

Every status change goes through the one transition table (`workflow.transition`),
so an illegal move is refused here whatever the page showed. Every function that
moves money runs inside one `unit_of_work()`: the offer commits the money, moves
the award and queues the mail together, or does none of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError, InvalidTransition
from sponsorship.core.transaction import retried, unit_of_work
from sponsorship.core.workflow import allowed, transition
from sponsorship.extensions import db
from sponsorship.funding import ledger, waiting_list
from sponsorship.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Award,
    AwardStatus,
    CostStage,
    Delegate,
    Meeting,
    User,
)
from sponsorship.models.base import utcnow
from sponsorship.review import queue as review
from sponsorship.review.pricing import ensure_award, hold_application
from sponsorship.review.scoring import QUEUE_STATUSES

ZERO = Decimal(0)
#: An application is decided once none of its delegates awaits a decision.
UNDECIDED = frozenset({AwardStatus.PENDING})


def _label(name: str, reference: str) -> str:
    """An award as the expiry run names it: its delegate and its reference."""
    return f"{name} ({reference})"


def _check_reviewable(application: Application) -> None:
    if application.status not in QUEUE_STATUSES:
        raise DomainError(
            _(
                "Only a submitted application is decided on (this one is %(status)s).",
                status=application.status.value,
            )
        )


def _refresh_application(application: Application, actor: User | None) -> None:
    """First decision: submitted -> in review. No delegate left pending: -> decided."""
    if application.status == ApplicationStatus.SUBMITTED:
        transition(application, ApplicationStatus.IN_REVIEW, actor)
    pending = any(d.award is None or d.award.status in UNDECIDED for d in application.delegates)
    if application.status == ApplicationStatus.IN_REVIEW and not pending:
        transition(application, ApplicationStatus.DECIDED, actor)


def refuse_unless(award: Award, target: AwardStatus) -> None:
    if not allowed(award, target):
        raise InvalidTransition(
            _(
                "%(name)s cannot be moved from “%(current)s” to “%(target)s”.",
                name=award.delegate.name,
                current=award.status.value,
                target=target.value,
            )
        )


def _decided_meanwhile(award: Award) -> InvalidTransition:
    """The refusal when another administrator decided on the award first: who, and when."""
    last = db.session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.object_type == "Award",
            AuditEvent.object_id == award.id,
            AuditEvent.action == "status",
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    if last is None:
        return InvalidTransition(_("%(name)s cannot be offered now.", name=award.delegate.name))
    return InvalidTransition(
        _(
            "%(name)s was already moved to “%(status)s” by %(who)s at %(when)s.",
            name=award.delegate.name,
            status=award.status.value,
            who=last.actor.name if last.actor is not None else _("the system"),
            when=format_datetime(last.at, "short"),
        )
    )


def _locked_award(award_id: int) -> Award:
    """The award, re-read under a row lock (PostgreSQL; SQLite's IMMEDIATE transaction
    already serialises), so a concurrent answer is seen before we act."""
    return db.session.scalar(
        select(Award)
        .where(Award.id == award_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def offer_deadline(meeting: Meeting, today: date) -> date:
    """Today + the meeting's response days, but never on or after its first day."""
    deadline = today + timedelta(days=meeting.offer_response_days)
    return max(today, min(deadline, meeting.starts_on - timedelta(days=1)))


def _notify(award: Award, actor: User | None) -> None:
    """Queue the offer mail (the applicant journey's outbox), in our transaction."""
    from sponsorship.applications.offers import notify_offer

    notify_offer(award, actor)


@retried
def offer(actor: User | None, delegate: Delegate, *, today: date | None = None) -> Award:
    """Offer the delegate a sponsorship: commit the priced estimate through the ledger,
    move the award to offered with its deadline, and queue the offer mail.

    All or nothing: when the earmarked funds do not cover the estimate the ledger
    raises `InsufficientFunds` and nothing at all is written.
    """
    today = today or date.today()
    award = delegate.award
    if award is None or award.total(CostStage.ESTIMATE) <= 0:
        raise DomainError(_("Price %(name)s before making an offer.", name=delegate.name))
    _check_reviewable(delegate.application)
    if not allowed(award, AwardStatus.OFFERED):
        raise _decided_meanwhile(award)
    if db.session.new or db.session.dirty or db.session.deleted:
        db.session.commit()
    with unit_of_work():
        hold_application(delegate)
        award = _locked_award(award.id)
        if not allowed(award, AwardStatus.OFFERED):
            raise _decided_meanwhile(award)
        funding = ledger.allocate(award, actor, on=today)  # locks the award and refreshes it
        application = award.delegate.application
        _check_reviewable(application)
        meeting = application.meeting
        transition(award, AwardStatus.OFFERED, actor)
        award.offered_at = utcnow()
        award.offer_deadline = offer_deadline(meeting, today)
        award.decision_reason = None
        record(
            actor,
            "award.offer",
            award,
            after={"committed": funding.amount, "deadline": award.offer_deadline},
        )
        _refresh_application(application, actor)
        _notify(award, actor)
    return award


@retried
def waitlist(actor: User | None, delegate: Delegate, *, reason: str | None = None) -> Award:
    """Put a priced delegate on the waiting list (offered later if money frees up)."""
    with unit_of_work():
        hold_application(delegate)
        _check_reviewable(delegate.application)
        award = ensure_award(delegate)
        if award.total(CostStage.ESTIMATE) <= 0:
            raise DomainError(
                _(
                    "Price %(name)s before the waiting list: it is offered by what fits.",
                    name=delegate.name,
                )
            )
        transition(award, AwardStatus.WAITLISTED, actor, reason=reason or None)
        _refresh_application(delegate.application, actor)
    return award


@retried
def reject(actor: User | None, delegate: Delegate, *, reason: str) -> Award:
    """Reject with a reason, which the applicant sees."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason shown to the applicant."))
    with unit_of_work():
        hold_application(delegate)
        _check_reviewable(delegate.application)
        award = ensure_award(delegate)
        transition(award, AwardStatus.REJECTED, actor, reason=reason)
        award.decision_reason = reason
        _refresh_application(delegate.application, actor)
    return award


@retried
def cancel(actor: User | None, award: Award, *, reason: str) -> Decimal:
    """Withdraw an offer or a sponsorship before the meeting.

    An open offer's money is released at once. An accepted sponsorship keeps its money
    committed: tickets may already be bought, so its actual costs are recorded and
    reconciled like any other, which releases what was not spent.
    """
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason shown to the applicant."))
    refuse_unless(award, AwardStatus.CANCELLED)
    if db.session.new or db.session.dirty or db.session.deleted:
        db.session.commit()
    released = ZERO
    with unit_of_work():
        award = _locked_award(award.id)
        refuse_unless(award, AwardStatus.CANCELLED)
        if award.status in (AwardStatus.OFFERED, AwardStatus.WAITLISTED, AwardStatus.PENDING):
            released = ledger.release(award, actor, reason="cancelled")
        transition(award, AwardStatus.CANCELLED, actor, reason=reason)
        award.decision_reason = reason
    return released


# --- Over a selection ----------------------------------------------------------------


class Action:
    PRICE = "price"
    OFFER = "offer"
    WAITLIST = "waitlist"
    REJECT = "reject"
    ALL = (PRICE, OFFER, WAITLIST, REJECT)


@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)
    #: (delegate name, why it was refused)
    refused: list[tuple[str, str]] = field(default_factory=list)


def bulk(
    actor: User,
    delegate_ids: Sequence[int],
    action: str,
    *,
    reason: str | None = None,
    meeting_id: int | None = None,
    today: date | None = None,
) -> BulkResult:
    """Apply one decision to each delegate, in the order given (the queue's rank).

    Each delegate is its own transaction: one refused offer (the money ran out) does
    not undo the offers before it, and is reported with its reason.
    """
    from sponsorship.review import pricing

    if action not in Action.ALL:
        raise DomainError(_("Choose a decision."))
    if action == Action.REJECT and not (reason or "").strip():
        raise DomainError(_("Give the reason shown to the applicant."))
    if not delegate_ids:
        raise DomainError(_("Select at least one delegate."))
    stmt = (
        select(Delegate)
        .where(Delegate.id.in_(delegate_ids))
        .options(selectinload(Delegate.application), selectinload(Delegate.award))
    )
    found = {d.id: d for d in db.session.scalars(stmt)}
    result = BulkResult()
    for delegate_id in dict.fromkeys(delegate_ids):
        delegate = found.get(delegate_id)
        if delegate is None or (
            meeting_id is not None and delegate.application.meeting_id != meeting_id
        ):
            result.refused.append((str(delegate_id), _("Not a delegate of this meeting.")))
            continue
        name = delegate.name
        try:
            if action == Action.PRICE:
                pricing.price(actor, delegate)
            elif action == Action.OFFER:
                offer(actor, delegate, today=today)
            elif action == Action.WAITLIST:
                waitlist(actor, delegate, reason=reason)
            else:
                reject(actor, delegate, reason=reason or "")
        except DomainError as exc:
            db.session.rollback()
            result.refused.append((name, str(exc)))
        else:
            result.done.append(name)
    return result


# --- Offers over time ----------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    award_id: int
    reference: str
    delegate: str
    meeting_id: int
    cost: Decimal


@dataclass
class ExpiryResult:
    expired: list[str] = field(default_factory=list)
    released: Decimal = ZERO
    #: Waitlisted delegates the money now pays for, best-ranked first.
    proposals: list[Proposal] = field(default_factory=list)
    #: With auto-offer on: those offered.
    offered: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def ranked_waitlist(
    meeting: Meeting, today: date | None = None, ranking: review.Ranking | None = None
) -> list[waiting_list.WaitlistCheck]:
    """The meeting's waiting list in priority order, each marked fits or not, its awards
    as `WaitingAward`s; `ranking` is the meeting's, when the caller has it already."""
    needs, purposes = waiting_list.waiting_awards(meeting)
    if not needs:
        return []
    ranks = (ranking or review.meeting_ranking(meeting, today)).rank_of(
        {award.application_id for award, _cost in needs}
    )
    last = (len(ranks) + 1, 0)

    def priority(need: tuple[waiting_list.WaitingAward, Decimal]) -> tuple:
        award = need[0]
        return ranks.get(award.application_id, last)[0], award.position, award.id

    return waiting_list.waitlist(
        meeting, on=today, needs=sorted(needs, key=priority), purposes=purposes
    )


def expire_offers(
    today: date | None = None, *, auto_offer: bool | None = None, actor: User | None = None
) -> ExpiryResult:
    """Expire offers whose deadline has passed, release their money, and list (or, with
    `auto_offer`, offer) the waitlisted delegates of those meetings who now fit.

    Idempotent: an offer is expired once; each is its own transaction.
    """
    today = today or date.today()
    if auto_offer is None:
        auto_offer = current_app.config.get("AUTO_OFFER_WAITLIST", False)
    result = ExpiryResult()
    overdue = db.session.scalars(
        select(Award.id)
        .where(Award.status == AwardStatus.OFFERED, Award.offer_deadline < today)
        .order_by(Award.offer_deadline, Award.id)
    ).all()
    db.session.commit()
    meetings: dict[int, Meeting] = {}
    for award_id in overdue:
        with unit_of_work():
            award = _locked_award(award_id)
            if award.status != AwardStatus.OFFERED or not (
                award.offer_deadline and award.offer_deadline < today
            ):
                continue  # answered meanwhile
            released = ledger.release(award, actor, reason="expired")
            transition(award, AwardStatus.EXPIRED, actor, reason="deadline passed")
            result.expired.append(_label(award.delegate.name, award.reference))
            result.released += released
            meeting = award.delegate.application.meeting
            meetings[meeting.id] = meeting
    for meeting in meetings.values():
        for check in ranked_waitlist(meeting, today):
            if not check.fits:
                continue
            award = check.award
            label = _label(award.delegate_name, award.reference)
            if auto_offer:
                try:
                    offer(actor, db.session.get(Delegate, award.delegate_id), today=today)
                except DomainError as exc:
                    db.session.rollback()
                    result.refused.append((label, str(exc)))
                else:
                    result.offered.append(label)
            else:
                result.proposals.append(
                    Proposal(award.id, award.reference, award.delegate_name, meeting.id, check.cost)
                )
        if result.proposals:
            record(
                actor,
                "waitlist.proposed",
                meeting,
                after={
                    "awards": [p.reference for p in result.proposals if p.meeting_id == meeting.id]
                },
            )
    db.session.commit()
    return result
