"""What an applicant's dashboard shows besides the applications: the meetings open to
applications today, the documents waiting to be asked for, and what happened lately."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from sponsorship.extensions import db
from sponsorship.models import (
    Application,
    AwardStatus,
    Meeting,
    OutboxMessage,
    Role,
    User,
)

#: How many past events the dashboard lists.
HISTORY_LENGTH = 15


def open_meetings(today: date) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting)
            .where(
                Meeting.window_open.is_(True),
                Meeting.applications_open_on <= today,
                Meeting.applications_close_on >= today,
            )
            .options(selectinload(Meeting.sessions))
            .order_by(Meeting.applications_close_on)
        )
    )


@dataclass(frozen=True)
class DocumentTask:
    """A document the State can now ask for: the visa-support letter of an accepted award."""

    kind: str
    award: object
    application: Application


def document_tasks(applications: list[Application]) -> list[DocumentTask]:
    """Accepted awards whose visa-support letter has not been issued yet."""
    found = []
    for application in applications:
        for delegate in application.delegates:
            award = delegate.award
            if award is not None and award.status == AwardStatus.ACCEPTED:
                kinds = {letter.kind for letter in award.letters}
                if "visa" not in kinds:
                    found.append(DocumentTask("request_visa", award, application))
    return found


@dataclass(frozen=True)
class Event:
    at: datetime
    subject: str
    #: The language the mail was written in (None for old messages).
    language: str | None = None


def what_happened(state_id: int, limit: int = HISTORY_LENGTH) -> list[Event]:
    """The latest mails the State's applicants were sent (each one is an event that
    concerned them), newest first, one line per event however many accounts got it."""
    rows = db.session.execute(
        select(
            OutboxMessage.created_at,
            OutboxMessage.subject,
            OutboxMessage.kind,
            OutboxMessage.object_id,
            OutboxMessage.language,
        )
        .join(User, User.email == OutboxMessage.to_address)
        .where(User.state_id == state_id, User.role == Role.APPLICANT)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(limit * 4)
    ).all()
    seen, events = set(), []
    for created_at, subject, kind, object_id, language in rows:
        if (kind, object_id) in seen:
            continue
        seen.add((kind, object_id))
        events.append(Event(created_at, subject, language))
        if len(events) == limit:
            break
    return events
