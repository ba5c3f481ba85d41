"""Reminders that a sponsored delegate's report is due, then overdue: once each.

A delegate who attended reports within the meeting's `report_due_days` after it ends.
A week before that date the State's applicants are told it is due; the day after it,
that it is overdue. Each mail is queued once per award and address (its dedupe key).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from sponsorship.core.transaction import unit_of_work
from sponsorship.extensions import db
from sponsorship.mail import outbox
from sponsorship.mail.events import _key
from sponsorship.models import Application, Award, AwardStatus, Delegate, OutboxMessage

#: Days before the due date when the "report due" mail goes out.
DUE_NOTICE_DAYS = 7


def _report_due(award: Award) -> date:
    meeting = award.delegate.application.meeting
    return meeting.ends_on + timedelta(days=meeting.report_due_days)


def queue_report_reminders(today: date) -> int:
    """Queue the due and overdue mails that are owed today; returns how many."""
    from sponsorship.applications.services import state_recipients

    try:
        with unit_of_work():
            awards = db.session.scalars(
                select(Award)
                .where(Award.status == AwardStatus.ATTENDED, Award.report_received_at.is_(None))
                .options(
                    selectinload(Award.delegate)
                    .selectinload(Delegate.application)
                    .selectinload(Application.meeting)
                )
                .order_by(Award.id)
            ).all()
            sent = set(
                db.session.scalars(
                    select(OutboxMessage.dedupe_key).where(
                        OutboxMessage.kind.in_(("award.report_due", "award.report_overdue"))
                    )
                )
            )
            queued = 0
            for award in awards:
                due = _report_due(award)
                if today > due:
                    kind, template = "award.report_overdue", "report_overdue"
                elif today >= due - timedelta(days=DUE_NOTICE_DAYS):
                    kind, template = "award.report_due", "report_due"
                else:
                    continue
                application = award.delegate.application
                link = outbox.external_url("applicant.report", award_id=award.id)
                for address in state_recipients(application.state_id):
                    key = _key(kind, award, address)
                    if key in sent:
                        continue
                    outbox.queue(
                        address,
                        template,
                        application.language,
                        kind=kind,
                        obj=award,
                        dedupe_key=key,
                        award=award,
                        delegate=award.delegate,
                        meeting=application.meeting,
                        due=due,
                        link=link,
                    )
                    sent.add(key)
                    queued += 1
    except IntegrityError:
        return 0  # another run queued the same reminders at the same instant
    return queued
