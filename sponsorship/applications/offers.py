"""Answering offers: accept with travel details or decline with a reason, by the deadline.

Also the offer mail (`notify_offer`, called by the administrators' offer workflow in
its own transaction) and the reminder before the deadline (`queue_offer_reminders`,
run daily by `flask mail remind`).
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from sponsorship.applications.services import (
    ApplicationInvalid,
    FieldError,
    offer_expired,
    state_recipients,
)
from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError, NotAllowed
from sponsorship.core.transaction import retried, unit_of_work
from sponsorship.core.workflow import transition
from sponsorship.extensions import db
from sponsorship.funding import ledger
from sponsorship.mail import outbox as mail_service
from sponsorship.models import Application, Award, AwardStatus, Delegate, OutboxMessage, Role, User
from sponsorship.models.base import utcnow

#: How far before the first day a delegate may travel out, and after the last day back.
TRAVEL_SLACK_DAYS = 3


def _check(actor: User, award: Award, today: date) -> None:
    application = award.delegate.application
    if actor.role != Role.APPLICANT or actor.state_id != application.state_id:
        raise NotAllowed(str(_l("You may only answer your own State's offers.")))
    if award.status != AwardStatus.OFFERED:
        raise DomainError(str(_l("This offer has already been answered or withdrawn.")))
    if offer_expired(award, today):
        raise DomainError(
            str(_l("The deadline to answer this offer has passed; the offer has expired."))
        )


def _locked_award(award_id: int) -> Award:
    """The award, re-read under a write lock (a row lock on PostgreSQL, the IMMEDIATE
    transaction on SQLite): of two answers sent at once, the second sees the first."""
    return db.session.scalar(
        select(Award)
        .where(Award.id == award_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


@retried
def accept(
    actor: User,
    award: Award,
    *,
    departure_city: str,
    travel_out_on: date | None,
    travel_back_on: date | None,
    today: date,
) -> None:
    with unit_of_work():
        award = _locked_award(award.id)
        _check(actor, award, today)
        _accept(actor, award, departure_city, travel_out_on, travel_back_on)


def _accept(
    actor: User,
    award: Award,
    departure_city: str,
    travel_out_on: date | None,
    travel_back_on: date | None,
) -> None:
    meeting = award.delegate.application.meeting
    errors: list[FieldError] = []
    required = str(_l("This field is required."))
    if not departure_city:
        errors.append(FieldError("departure_city", required))
    if travel_out_on is None:
        errors.append(FieldError("travel_out_on", required))
    if travel_back_on is None:
        errors.append(FieldError("travel_back_on", required))
    slack = timedelta(days=TRAVEL_SLACK_DAYS)
    if travel_out_on is not None and not (
        meeting.starts_on - slack <= travel_out_on <= meeting.starts_on
    ):
        errors.append(
            FieldError(
                "travel_out_on",
                str(
                    _l(
                        "Travel out between %(first)s and %(last)s.",
                        first=(meeting.starts_on - slack).isoformat(),
                        last=meeting.starts_on.isoformat(),
                    )
                ),
            )
        )
    if travel_back_on is not None and not (
        meeting.ends_on <= travel_back_on <= meeting.ends_on + slack
    ):
        errors.append(
            FieldError(
                "travel_back_on",
                str(
                    _l(
                        "Travel back between %(first)s and %(last)s.",
                        first=meeting.ends_on.isoformat(),
                        last=(meeting.ends_on + slack).isoformat(),
                    )
                ),
            )
        )
    if errors:
        raise ApplicationInvalid(errors)
    transition(award, AwardStatus.ACCEPTED, actor)
    award.responded_at = utcnow()
    award.confirmed_departure_city = departure_city
    award.travel_out_on = travel_out_on
    award.travel_back_on = travel_back_on
    record(
        actor,
        "award.accept",
        award,
        after={
            "departure_city": departure_city,
            "travel_out_on": travel_out_on,
            "travel_back_on": travel_back_on,
        },
    )


@retried
def decline(actor: User, award: Award, *, reason: str, today: date) -> None:
    """Decline the offer; the money committed to it goes back to the fund at once."""
    if not reason:
        raise ApplicationInvalid(
            [FieldError("reason", str(_l("Please tell us why the delegate cannot come.")))]
        )
    with unit_of_work():
        award = _locked_award(award.id)
        _check(actor, award, today)
        ledger.release(award, actor, reason="declined")
        transition(award, AwardStatus.DECLINED, actor, reason=reason)
        award.responded_at = utcnow()
        award.decline_reason = reason


def _offer_context(award: Award) -> dict:
    application = award.delegate.application
    return {
        "award": award,
        "delegate": award.delegate,
        "application": application,
        "meeting": application.meeting,
        "state": application.state,
        "link": mail_service.external_url("applicant.offer", award_id=award.id),
    }


def notify_offer(award: Award, actor: User | None = None) -> int:
    """Queue the offer mail to the State's applicants; the caller's transaction commits it.

    For the administrators' offer workflow, right after the award moved to offered.
    Returns the number of messages queued.
    """
    if award.status != AwardStatus.OFFERED:
        raise DomainError("only an offered award is notified")
    application = award.delegate.application
    context = _offer_context(award)
    recipients = state_recipients(application.state_id)
    for address in recipients:
        mail_service.queue(
            address,
            "offer_made",
            application.language,
            kind="award.offer",
            obj=award,
            **context,
        )
    record(actor, "award.notify_offer", award, after={"recipients": len(recipients)})
    return len(recipients)


def _reminder_key(award: Award, address: str) -> str:
    digest = hashlib.sha256(address.lower().encode()).hexdigest()[:16]
    return f"award.reminder:{award.id}:{award.offer_deadline.isoformat()}:{digest}"


def queue_offer_reminders(today: date, days: int | None = None) -> int:
    """Remind the State of each offer whose deadline is within `days`; at most once each.

    Idempotent: run it daily (`flask mail remind`). Returns the messages queued.
    """
    days = current_app.config["OFFER_REMINDER_DAYS"] if days is None else days
    try:
        with unit_of_work():
            awards = db.session.scalars(
                select(Award)
                .where(
                    Award.status == AwardStatus.OFFERED,
                    Award.offer_deadline >= today,
                    Award.offer_deadline <= today + timedelta(days=days),
                )
                .options(
                    selectinload(Award.delegate)
                    .selectinload(Delegate.application)
                    .selectinload(Application.meeting)
                )
                .order_by(Award.id)
            ).all()
            keys = set(
                db.session.scalars(
                    select(OutboxMessage.dedupe_key).where(
                        OutboxMessage.kind == "award.reminder",
                        OutboxMessage.dedupe_key.is_not(None),
                    )
                )
            )
            queued = 0
            for award in awards:
                application = award.delegate.application
                before = queued
                for address in state_recipients(application.state_id):
                    key = _reminder_key(award, address)
                    if key in keys:
                        continue
                    mail_service.queue(
                        address,
                        "offer_reminder",
                        application.language,
                        kind="award.reminder",
                        obj=award,
                        dedupe_key=key,
                        **_offer_context(award),
                    )
                    keys.add(key)
                    queued += 1
                if queued > before:
                    record(
                        None,
                        "award.offer_reminder",
                        award,
                        after={"deadline": award.offer_deadline},
                    )
    except IntegrityError:
        # Another run queued the same reminders at the same instant; theirs stand.
        return 0
    return queued
