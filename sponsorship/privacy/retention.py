"""Retention: RETENTION_DAYS after a meeting ends, its delegates' personal data goes.

`plan(today)` is the dry run: per meeting past its period, how many values of each
field would be purged (nothing is written). `run(today)` purges them, one transaction
per meeting, each audited with what went and how many (never the values); a meeting
with nothing left to purge writes nothing, so the job can run daily and a second run
changes nothing. What stays, and why, is in docs/privacy.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app

from sponsorship.core.audit import record
from sponsorship.core.transaction import unit_of_work
from sponsorship.extensions import db
from sponsorship.models import Meeting, User
from sponsorship.models.base import utcnow
from sponsorship.privacy import registry


@dataclass(frozen=True)
class MeetingPurge:
    meeting_id: int
    title: str
    ended_on: date
    #: field -> values purged (or, in a dry run, that would be)
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def retention_days() -> int:
    return int(current_app.config["RETENTION_DAYS"])


def cutoff(today: date, days: int | None = None) -> date:
    """Meetings that ended before this day are past their retention period."""
    return today - timedelta(days=retention_days() if days is None else days)


def due_meetings(today: date) -> list[Meeting]:
    return list(
        db.session.scalars(
            sa.select(Meeting).where(Meeting.ends_on < cutoff(today)).order_by(Meeting.ends_on)
        )
    )


def plan(today: date) -> list[MeetingPurge]:
    """What a run on `today` would purge, per meeting with anything left; writes nothing."""
    found = []
    meetings = due_meetings(today)
    held = registry.count_meetings([m.id for m in meetings])
    for meeting in meetings:
        counts = held[meeting.id]
        if any(counts.values()):
            found.append(MeetingPurge(meeting.id, meeting.title, meeting.ends_on, counts))
    return found


def purge_meeting(meeting: Meeting, actor: User | None, days: int) -> MeetingPurge:
    """One meeting's purge, in one transaction, audited when anything went."""
    with unit_of_work():
        counts, files = registry.purge(registry.Scope.meeting(meeting.id), utcnow())
        if any(counts.values()):
            record(
                actor,
                "privacy.retention_purge",
                meeting,
                after={"fields": counts, "retention_days": days, "ended_on": meeting.ends_on},
            )
    registry.remove_files(files)
    return MeetingPurge(meeting.id, meeting.title, meeting.ends_on, counts)


def run(today: date | None = None, actor: User | None = None) -> list[MeetingPurge]:
    """Purge every meeting past its retention period; returns what went, per meeting."""
    today = today or date.today()
    days = retention_days()
    done = []
    for meeting_id in [m.id for m in due_meetings(today)]:
        meeting = db.session.get(Meeting, meeting_id)
        result = purge_meeting(meeting, actor, days)
        if result.total:
            done.append(result)
    return done
