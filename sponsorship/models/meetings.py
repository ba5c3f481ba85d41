"""Meetings of the Convention and the Standing Committee sessions they hold."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sponsorship.models.base import Base, Money, StrEnum, enum_column
from sponsorship.models.languages import OTHER_LANGUAGES, Multilingual, reader_language


class MeetingKind(StrEnum):
    MSP = "msp"
    INTERSESSIONAL = "intersessional"
    REVIEW_CONFERENCE = "review_conference"


class Theme(StrEnum):
    """What a session, an earmark or an award is about."""

    MINE_CLEARANCE = "mine_clearance"
    VICTIM_ASSISTANCE = "victim_assistance"
    STOCKPILE_DESTRUCTION = "stockpile_destruction"
    UNIVERSALIZATION = "universalization"
    #: General status and operation of the Convention.
    GENERAL = "general"


class Meeting(Multilingual, Base):
    __tablename__ = "meetings"
    __table_args__ = (
        sa.CheckConstraint("ends_on >= starts_on", name="dates_ordered"),
        sa.CheckConstraint("applications_close_on >= applications_open_on", name="window_ordered"),
        sa.CheckConstraint("delegate_cap >= 1", name="cap_positive"),
        sa.CheckConstraint("dsa_rate >= 0 AND terminal_expenses >= 0", name="rates_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MeetingKind] = enum_column(MeetingKind)
    #: Ordinal of the meeting in its kind (22 for the Twenty-Second MSP).
    number: Mapped[int | None]
    title: Mapped[str] = mapped_column(sa.String(200))
    venue: Mapped[str] = mapped_column(sa.String(200))
    city: Mapped[str] = mapped_column(sa.String(100))
    # French and Spanish versions; empty falls back to English (models/languages.py).
    title_fr: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    title_es: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    venue_fr: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    venue_es: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    city_fr: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    city_es: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    starts_on: Mapped[date] = mapped_column(sa.Date, index=True)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    applications_open_on: Mapped[date] = mapped_column(sa.Date)
    applications_close_on: Mapped[date] = mapped_column(sa.Date)
    #: Administrators may close a window early or reopen it; dates alone do not decide.
    window_open: Mapped[bool] = mapped_column(default=False)
    #: Days an offered delegate has to answer, counted from the offer.
    offer_response_days: Mapped[int] = mapped_column(default=14)
    dsa_rate: Mapped[Decimal] = mapped_column(Money())
    dsa_currency: Mapped[str] = mapped_column(sa.String(3))
    terminal_expenses: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    delegate_cap: Mapped[int] = mapped_column(default=1)
    #: Days after the meeting by which a sponsored delegate reports.
    report_due_days: Mapped[int] = mapped_column(default=30)

    sessions: Mapped[list[MeetingSession]] = relationship(
        back_populates="meeting",
        cascade="all, delete-orphan",
        order_by="MeetingSession.held_on",
    )

    translated_fields = ("title", "venue", "city")

    @property
    def local_title(self) -> str:
        """The title in the language of the page or mail being rendered."""
        return self.in_language("title", reader_language())

    @property
    def local_venue(self) -> str:
        return self.in_language("venue", reader_language())

    @property
    def local_city(self) -> str:
        return self.in_language("city", reader_language())

    def missing_languages_with_sessions(self) -> list[str]:
        """The languages the meeting or any of its sessions still shows in English."""
        gaps = set(self.missing_languages())
        for session in self.sessions:
            gaps.update(session.missing_languages())
        return [lang for lang in OTHER_LANGUAGES if lang in gaps]

    @property
    def year(self) -> int:
        return self.starts_on.year

    def accepts_applications(self, today: date) -> bool:
        return self.window_open and self.applications_open_on <= today <= self.applications_close_on

    def __repr__(self) -> str:
        return f"<Meeting {self.title!r}>"


class MeetingSession(Multilingual, Base):
    __tablename__ = "meeting_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    title_fr: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    title_es: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    theme: Mapped[Theme] = enum_column(Theme)
    held_on: Mapped[date] = mapped_column(sa.Date)

    meeting: Mapped[Meeting] = relationship(back_populates="sessions")

    translated_fields = ("title",)

    @property
    def local_title(self) -> str:
        return self.in_language("title", reader_language())
