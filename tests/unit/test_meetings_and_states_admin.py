"""Administering meetings (with sessions and the window) and States' Convention standing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from sponsorship.core.errors import DomainError
from sponsorship.models import AuditEvent, ConventionStatus, MeetingKind, State, Theme
from sponsorship.programme.meetings import (
    MeetingDetails,
    SessionDetails,
    create_meeting,
    set_window,
    update_meeting,
)
from sponsorship.programme.states import update_state
from tests.factories import ApplicationFactory, UserFactory

DETAILS = MeetingDetails(
    kind=MeetingKind.INTERSESSIONAL,
    number=None,
    title="Intersessional Meetings 2027",
    venue="CICG",
    city="Geneva",
    starts_on=date(2027, 6, 14),
    ends_on=date(2027, 6, 17),
    applications_open_on=date(2027, 2, 1),
    applications_close_on=date(2027, 3, 31),
    offer_response_days=14,
    dsa_rate=Decimal("412.00"),
    dsa_currency="chf",
    terminal_expenses=Decimal("200.00"),
    delegate_cap=2,
)
SESSIONS = [
    SessionDetails("Article 5", Theme.MINE_CLEARANCE, date(2027, 6, 14)),
    SessionDetails("Victim assistance", Theme.VICTIM_ASSISTANCE, date(2027, 6, 15)),
]


def events(db, action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_create_meeting_starts_closed_with_sessions_and_audit(db):
    admin = UserFactory()
    meeting = create_meeting(admin, DETAILS, SESSIONS)
    assert meeting.window_open is False
    assert meeting.dsa_currency == "CHF"
    assert [s.title for s in meeting.sessions] == ["Article 5", "Victim assistance"]
    [event] = events(db, "meeting.create")
    assert event.after["title"] == "Intersessional Meetings 2027"
    assert len(event.after["sessions"]) == 2


@pytest.mark.parametrize(
    "change",
    [
        {"ends_on": date(2027, 6, 13)},
        {"applications_close_on": date(2027, 1, 31)},
        {"applications_close_on": date(2027, 6, 18)},
        {"delegate_cap": 0},
        {"dsa_rate": Decimal("-1")},
        {"dsa_currency": "francs"},
    ],
    ids=["ends-before-start", "window-reversed", "window-after-meeting", "cap", "dsa", "currency"],
)
def test_create_meeting_inconsistent_is_refused(db, change):
    with pytest.raises(DomainError):
        create_meeting(UserFactory(), replace(DETAILS, **change), SESSIONS)


def test_create_meeting_session_outside_dates_is_refused(db):
    with pytest.raises(DomainError, match="outside"):
        create_meeting(
            UserFactory(), DETAILS, [SessionDetails("Late", Theme.GENERAL, date(2027, 7, 1))]
        )


def test_update_meeting_edits_adds_and_removes_sessions(db):
    admin = UserFactory()
    meeting = create_meeting(admin, DETAILS, SESSIONS)
    first, second = meeting.sessions
    update_meeting(
        admin,
        meeting,
        replace(DETAILS, venue="Palais des Nations"),
        [
            SessionDetails("Article 5 (renamed)", Theme.MINE_CLEARANCE, first.held_on, first.id),
            SessionDetails("Cooperation", Theme.GENERAL, date(2027, 6, 16)),
        ],
    )
    assert meeting.venue == "Palais des Nations"
    assert [s.title for s in meeting.sessions] == ["Article 5 (renamed)", "Cooperation"]
    [event] = events(db, "meeting.update")
    assert event.before["venue"] == "CICG"
    assert second.id not in {s.id for s in meeting.sessions}


def test_update_meeting_removing_chosen_session_is_refused(db):
    admin = UserFactory()
    meeting = create_meeting(admin, DETAILS, SESSIONS)
    application = ApplicationFactory(meeting=meeting)
    application.sessions = [meeting.sessions[1]]
    db.session.commit()
    first = meeting.sessions[0]
    with pytest.raises(DomainError, match="chosen"):
        update_meeting(
            admin,
            meeting,
            DETAILS,
            [SessionDetails(first.title, first.theme, first.held_on, first.id)],
        )


def test_set_window_opens_and_closes_with_audit(db):
    admin = UserFactory()
    meeting = create_meeting(admin, DETAILS, SESSIONS)
    set_window(admin, meeting, True)
    assert meeting.window_open
    assert meeting.accepts_applications(date(2027, 2, 10))
    assert not meeting.accepts_applications(date(2027, 4, 1))
    set_window(admin, meeting, True)  # already open: nothing recorded
    set_window(admin, meeting, False)
    assert not meeting.accepts_applications(date(2027, 2, 10))
    assert len(events(db, "meeting.open_window")) == 1
    assert len(events(db, "meeting.close_window")) == 1


def chad(db) -> State:
    return db.session.scalar(select(State).where(State.iso3 == "TCD"))


def test_update_state_changes_obligations_with_audit(db):
    admin = UserFactory()
    state = chad(db)
    old_deadline = state.article5_deadline
    changed = update_state(
        admin, state, article5_deadline=date(2027, 1, 1), article5_extension_pending=True
    )
    assert set(changed) == {"article5_deadline", "article5_extension_pending"}
    [event] = events(db, "state.update")
    assert event.before["article5_deadline"] == old_deadline.isoformat()
    assert event.after["article5_extension_pending"] is True


def test_update_state_party_without_entry_into_force_is_refused(db):
    state = chad(db)
    with pytest.raises(DomainError):
        update_state(UserFactory(), state, entry_into_force=None)


def test_update_state_signatory_with_entry_into_force_is_refused(db):
    state = chad(db)
    with pytest.raises(DomainError):
        update_state(UserFactory(), state, convention_status=ConventionStatus.SIGNATORY)


def test_update_state_name_is_not_editable(db):
    with pytest.raises(DomainError):
        update_state(UserFactory(), chad(db), name="Tchad")


def test_create_meeting_opens_its_window_when_today_is_inside_its_dates(db):
    """Issue 23: a meeting saved inside its application dates is open, not "closed"
    until someone finds the button."""
    admin = UserFactory()
    meeting = create_meeting(admin, DETAILS, SESSIONS, today=date(2027, 2, 10))
    assert meeting.window_open is True
    assert len(events(db, "meeting.open_window")) == 1


def test_update_meeting_opens_on_new_dates_but_keeps_a_window_closed_by_hand(db):
    admin = UserFactory()
    inside = date(2027, 2, 10)
    meeting = create_meeting(admin, DETAILS, SESSIONS, today=inside)
    set_window(admin, meeting, False)
    renamed = replace(DETAILS, title="Intersessional Meetings 2027 (renamed)")
    update_meeting(admin, meeting, renamed, sessions_with_ids(meeting), today=inside)
    assert meeting.window_open is False  # the dates did not change: the choice stands
    moved = replace(renamed, applications_close_on=date(2027, 4, 15))
    update_meeting(admin, meeting, moved, sessions_with_ids(meeting), today=inside)
    assert meeting.window_open is True


def sessions_with_ids(meeting):
    return [replace(s, id=m.id) for s, m in zip(SESSIONS, meeting.sessions, strict=True)]
