"""The post-meeting report a sponsored delegate's State gives on each award."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sponsorship.models.base import Base, created_at_column

delegate_report_sessions = sa.Table(
    "delegate_report_sessions",
    Base.metadata,
    sa.Column(
        "report_id",
        sa.ForeignKey("delegate_reports.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "session_id",
        sa.ForeignKey("meeting_sessions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)


class DelegateReport(Base):
    """One report per award, given after the meeting; it never changes once given."""

    __tablename__ = "delegate_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: One report per sponsored delegate: the unique key is the backstop of the rule.
    award_id: Mapped[int] = mapped_column(
        sa.ForeignKey("awards.id", ondelete="CASCADE"), unique=True
    )
    statement_delivered: Mapped[bool] = mapped_column(default=False)
    comments: Mapped[str | None] = mapped_column(sa.Text)
    #: The State agreed that the donors funding the delegate may read `comments`
    #: quoted on their pages (never the delegate's name: the State and meeting only).
    quote_consent: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = created_at_column()

    award = relationship("Award")
    #: The sessions of the meeting the delegate attended.
    sessions = relationship("MeetingSession", secondary=delegate_report_sessions)
