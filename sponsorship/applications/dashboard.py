"""The meetings an applicant's dashboard offers: those open to applications today."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from sponsorship.extensions import db
from sponsorship.models import Meeting


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
