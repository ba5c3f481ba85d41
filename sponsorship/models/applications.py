"""A State's application to a meeting and the delegates it nominates."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sponsorship.models.base import Base, StrEnum, UTCDateTime, created_at_column, enum_column


class ApplicationStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    #: Administrators have started deciding on its delegates.
    IN_REVIEW = "in_review"
    #: Every delegate has a decision (offered, waitlisted or rejected).
    DECIDED = "decided"
    WITHDRAWN = "withdrawn"


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNDISCLOSED = "undisclosed"


application_sessions = sa.Table(
    "application_sessions",
    Base.metadata,
    sa.Column(
        "application_id",
        sa.ForeignKey("applications.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "session_id",
        sa.ForeignKey("meeting_sessions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "state_id"),
        sa.Index("ix_applications_meeting_status", "meeting_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"))
    state_id: Mapped[int] = mapped_column(sa.ForeignKey("states.id"), index=True)
    status: Mapped[ApplicationStatus] = enum_column(
        ApplicationStatus, default=ApplicationStatus.DRAFT
    )
    #: Language of the correspondence (and of the award letters): en, fr or es.
    language: Mapped[str] = mapped_column(sa.String(2), default="en")
    statement_planned: Mapped[bool] = mapped_column(default=False)
    presentation_planned: Mapped[bool] = mapped_column(default=False)
    #: The national role of the delegation (e.g. Article 5 update, co-chair).
    national_role: Mapped[str | None] = mapped_column(sa.Text)
    consent_personal_data: Mapped[bool] = mapped_column(default=False)
    #: Stored name of the nomination note (note verbale) under UPLOAD_DIR.
    note_path: Mapped[str | None] = mapped_column(sa.String(255))
    note_filename: Mapped[str | None] = mapped_column(sa.String(255))
    #: The note's sha256, kept when its file is purged (sponsorship/privacy): proof of
    #: what was received, without the personal data it held.
    note_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    #: When the note's file was purged (retention or a delegate's erasure).
    note_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    meeting = relationship("Meeting")
    state = relationship("State")
    delegates: Mapped[list[Delegate]] = relationship(
        back_populates="application",
        cascade="all, delete-orphan",
        order_by="Delegate.position",
    )
    sessions = relationship("MeetingSession", secondary=application_sessions)

    def __init__(self, **kwargs) -> None:
        # Column defaults apply at INSERT; the workflow needs the status before that.
        kwargs.setdefault("status", ApplicationStatus.DRAFT)
        super().__init__(**kwargs)


class Delegate(Base):
    __tablename__ = "delegates"
    __table_args__ = (
        # With the id, a meeting's awards are found from its applications by an index
        # alone: PostgreSQL otherwise read all 40,000 delegates of twenty years.
        sa.Index("ix_delegates_application_id_id", "application_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(200))
    gender: Mapped[Gender] = enum_column(Gender)
    function: Mapped[str] = mapped_column(sa.String(200))
    organisation: Mapped[str] = mapped_column(sa.String(200))
    #: Empty once purged (sponsorship/privacy), like the passport, phone and needs.
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(50))
    #: ISO 3166-1 alpha-3 code of the nationality.
    nationality: Mapped[str] = mapped_column(sa.String(3))
    passport_number: Mapped[str | None] = mapped_column(sa.String(50))
    passport_expiry: Mapped[date | None] = mapped_column(sa.Date)
    departure_city: Mapped[str] = mapped_column(sa.String(120))
    first_time: Mapped[bool] = mapped_column(default=False)
    survivor: Mapped[bool] = mapped_column(default=False)
    accessibility_needs: Mapped[str | None] = mapped_column(sa.Text)
    #: When the personal data was purged (retention after the meeting, or an erasure
    #: on request); the name, gender, function and nationality stay for the reports.
    personal_data_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The person this participation is of (`sponsorship.people`); none while a draft.
    person_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("persons.id", ondelete="SET NULL"), index=True
    )

    application: Mapped[Application] = relationship(back_populates="delegates")
    person = relationship("Person", back_populates="delegates")
    award = relationship("Award", back_populates="delegate", uselist=False)
