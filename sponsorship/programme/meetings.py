"""Administering meetings: their dates, sessions, window, rates and cap."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError
from sponsorship.core.transaction import unit_of_work
from sponsorship.extensions import db
from sponsorship.models import (
    Application,
    ApplicationStatus,
    Award,
    AwardStatus,
    Delegate,
    Meeting,
    MeetingKind,
    MeetingSession,
    Theme,
    User,
    application_sessions,
)


@dataclass(frozen=True)
class MeetingDetails:
    kind: MeetingKind
    number: int | None
    title: str
    venue: str
    city: str
    starts_on: date
    ends_on: date
    applications_open_on: date
    applications_close_on: date
    offer_response_days: int
    dsa_rate: Decimal
    dsa_currency: str
    terminal_expenses: Decimal
    delegate_cap: int
    report_due_days: int = 30
    # French and Spanish names; empty falls back to English.
    title_fr: str = ""
    title_es: str = ""
    venue_fr: str = ""
    venue_es: str = ""
    city_fr: str = ""
    city_es: str = ""


@dataclass(frozen=True)
class SessionDetails:
    title: str
    theme: Theme
    held_on: date
    #: An existing session to change; None for a new one.
    id: int | None = None
    title_fr: str = ""
    title_es: str = ""

    def session_values(self) -> dict:
        """The columns of a MeetingSession row this describes."""
        return {
            "title": self.title.strip(),
            "title_fr": (self.title_fr or "").strip(),
            "title_es": (self.title_es or "").strip(),
            "theme": self.theme,
            "held_on": self.held_on,
        }


def _check(d: MeetingDetails, sessions: Sequence[SessionDetails]) -> None:
    if not d.title.strip():
        raise DomainError(_("A meeting needs a title."))
    if d.ends_on < d.starts_on:
        raise DomainError(_("The meeting cannot end before it starts."))
    if d.applications_close_on < d.applications_open_on:
        raise DomainError(_("The application window cannot close before it opens."))
    if d.applications_close_on > d.ends_on:
        raise DomainError(_("Applications must close before the meeting ends."))
    if d.delegate_cap < 1:
        raise DomainError(_("Allow at least one delegate per State."))
    if d.offer_response_days < 1:
        raise DomainError(_("Give at least one day to answer an offer."))
    if d.report_due_days < 0:
        raise DomainError(_("The report delay cannot be negative."))
    if d.dsa_rate < 0 or d.terminal_expenses < 0:
        raise DomainError(_("Rates cannot be negative."))
    if len(d.dsa_currency) != 3 or not d.dsa_currency.isalpha():
        raise DomainError(_("The currency is a three-letter ISO 4217 code."))
    for s in sessions:
        if not d.starts_on <= s.held_on <= d.ends_on:
            raise DomainError(
                _("The session “%(title)s” is outside the meeting's dates.", title=s.title)
            )


class DatesNeedConfirmation(DomainError):
    """The dates of a meeting with submitted applications change only when confirmed."""


def _guard_dates(meeting: Meeting, d: MeetingDetails, confirmed: bool) -> None:
    """Moving a meeting that States applied to changes what they applied for: ask first.
    An offer must be answered before the meeting starts (`decisions.offer_deadline`),
    so new dates that put an open offer's deadline on or after the first day are
    refused whatever the confirmation."""
    if (d.starts_on, d.ends_on) == (meeting.starts_on, meeting.ends_on):
        return
    late = db.session.scalar(
        select(func.count(Award.id))
        .join(Delegate, Delegate.id == Award.delegate_id)
        .join(Application, Application.id == Delegate.application_id)
        .where(
            Application.meeting_id == meeting.id,
            Award.status == AwardStatus.OFFERED,
            Award.offer_deadline >= d.starts_on,
        )
    )
    if late:
        raise DomainError(
            _(
                "%(n)d open offers would have to be answered after the meeting starts:"
                " withdraw them or keep dates after their deadlines.",
                n=late,
            )
        )
    submitted = db.session.scalar(
        select(func.count(Application.id)).where(
            Application.meeting_id == meeting.id, Application.status != ApplicationStatus.DRAFT
        )
    )
    if submitted and not confirmed:
        raise DatesNeedConfirmation(
            _(
                "%(n)d applications were submitted for these dates. Confirm the new dates"
                " to save them.",
                n=submitted,
            )
        )


def _values(meeting: Meeting) -> dict:
    return {
        **{key: getattr(meeting, key) for key in MeetingDetails.__dataclass_fields__},
        "sessions": [
            {
                "id": s.id,
                "title": s.title,
                "title_fr": s.title_fr,
                "title_es": s.title_es,
                "theme": s.theme,
                "held_on": s.held_on,
            }
            for s in meeting.sessions
        ],
    }


def _apply(meeting: Meeting, d: MeetingDetails) -> None:
    for key, value in asdict(d).items():
        setattr(meeting, key, value.strip() if isinstance(value, str) else value)
    meeting.dsa_currency = d.dsa_currency.upper()


def create_meeting(
    actor: User,
    details: MeetingDetails,
    sessions: Sequence[SessionDetails],
    *,
    today: date | None = None,
) -> Meeting:
    """A new meeting with its sessions; its window is open when today is inside its
    application dates (no separate click that nobody knows to make). One transaction."""
    with unit_of_work():
        _check(details, sessions)
        meeting = Meeting(window_open=False)
        _apply(meeting, details)
        meeting.sessions = [MeetingSession(**s.session_values()) for s in sessions]
        db.session.add(meeting)
        db.session.flush()
        record(actor, "meeting.create", meeting, after=_values(meeting))
        _open_when_due(actor, meeting, today)
    return meeting


def _open_when_due(actor: User | None, meeting: Meeting, today: date | None) -> None:
    """Open the window if today is inside the application dates (audited as an opening)."""
    today = today or date.today()
    if meeting.window_open or not (
        meeting.applications_open_on <= today <= meeting.applications_close_on
    ):
        return
    record(
        actor,
        "meeting.open_window",
        meeting,
        before={"window_open": False},
        after={"window_open": True},
    )
    meeting.window_open = True


def update_meeting(
    actor: User,
    meeting: Meeting,
    details: MeetingDetails,
    sessions: Sequence[SessionDetails],
    *,
    dates_confirmed: bool = False,
    today: date | None = None,
) -> Meeting:
    """Change a meeting and its sessions; sessions not listed are removed. New
    application dates that include today open the window (a window closed by hand
    stays closed while its dates do not change).

    A session that applications have chosen cannot be removed: the delegates were
    nominated (and will be priced) for it. New dates are guarded (`_guard_dates`).
    """
    with unit_of_work():
        _check(details, sessions)
        _guard_dates(meeting, details, dates_confirmed)
        before = _values(meeting)
        existing = {s.id: s for s in meeting.sessions}
        kept = {s.id for s in sessions if s.id is not None}
        if kept - existing.keys():
            raise DomainError(_("A session does not belong to this meeting."))
        removed = existing.keys() - kept
        if removed:
            chosen = db.session.scalar(
                select(func.count()).where(application_sessions.c.session_id.in_(removed))
            )
            if chosen:
                raise DomainError(
                    _(
                        "A session that applications have chosen cannot be removed; "
                        "rename it instead."
                    )
                )
        _apply(meeting, details)
        for session_id in removed:
            meeting.sessions.remove(existing[session_id])
        for s in sessions:
            if s.id is None:
                meeting.sessions.append(MeetingSession(**s.session_values()))
            else:
                for key, value in s.session_values().items():
                    setattr(existing[s.id], key, value)
        db.session.flush()
        after = _values(meeting)
        changed = {k: v for k, v in after.items() if before.get(k) != v}
        if changed:
            record(
                actor,
                "meeting.update",
                meeting,
                before={k: before[k] for k in changed},
                after=changed,
            )
        if {"applications_open_on", "applications_close_on"} & changed.keys():
            _open_when_due(actor, meeting, today)
    return meeting


def set_window(actor: User, meeting: Meeting, open_: bool) -> None:
    """Open or close the application window (the dates still bound it). Audited."""
    with unit_of_work():
        if meeting.window_open == open_:
            return
        record(
            actor,
            "meeting.open_window" if open_ else "meeting.close_window",
            meeting,
            before={"window_open": meeting.window_open},
            after={"window_open": open_},
        )
        meeting.window_open = open_
