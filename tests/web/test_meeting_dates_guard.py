"""Moving a meeting that States applied to: confirmed first, refused when an open
offer would have to be answered after the meeting starts (service and page)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from sponsorship.core.errors import DomainError
from sponsorship.models import ApplicationStatus, AuditEvent, AwardStatus
from sponsorship.programme.meetings import (
    DatesNeedConfirmation,
    MeetingDetails,
    SessionDetails,
    update_meeting,
)
from tests.conftest import post_form
from tests.factories import (
    ApplicationFactory,
    AwardFactory,
    DelegateFactory,
    MeetingFactory,
    UserFactory,
)


def _details(meeting) -> MeetingDetails:
    return MeetingDetails(**{k: getattr(meeting, k) for k in MeetingDetails.__dataclass_fields__})


def _sessions(meeting, shift: timedelta = timedelta(0)) -> list[SessionDetails]:
    return [SessionDetails(s.title, s.theme, s.held_on + shift, s.id) for s in meeting.sessions]


def _moved(meeting, days: int) -> MeetingDetails:
    shift = timedelta(days=days)
    return replace(
        _details(meeting), starts_on=meeting.starts_on + shift, ends_on=meeting.ends_on + shift
    )


@pytest.fixture
def applied(db):
    meeting = MeetingFactory(window_open=False)
    ApplicationFactory(meeting=meeting, status=ApplicationStatus.SUBMITTED)
    db.session.commit()
    return meeting


def test_update_dates_with_submitted_applications_asks_confirmation(db, applied):
    admin = UserFactory()
    starts = applied.starts_on
    with pytest.raises(DatesNeedConfirmation):
        update_meeting(admin, applied, _moved(applied, 7), _sessions(applied, timedelta(7)))
    db.session.refresh(applied)
    assert applied.starts_on == starts
    update_meeting(
        admin,
        applied,
        _moved(applied, 7),
        _sessions(applied, timedelta(7)),
        dates_confirmed=True,
    )
    assert applied.starts_on == starts + timedelta(days=7)


def test_update_other_fields_with_submitted_applications_needs_no_confirmation(db, applied):
    update_meeting(
        UserFactory(), applied, replace(_details(applied), venue="CICG"), _sessions(applied)
    )
    assert applied.venue == "CICG"


def test_update_dates_before_open_offer_deadline_is_refused_even_confirmed(db, applied):
    application = ApplicationFactory(meeting=applied, status=ApplicationStatus.DECIDED)
    award = AwardFactory(delegate=DelegateFactory(application=application))
    award.status = AwardStatus.OFFERED
    award.offer_deadline = applied.starts_on - timedelta(days=1)
    db.session.commit()
    early = _moved(applied, -5)
    with pytest.raises(DomainError, match="after the meeting starts"):
        update_meeting(
            UserFactory(),
            applied,
            early,
            _sessions(applied, timedelta(-5)),
            dates_confirmed=True,
        )


def test_update_dates_without_applications_needs_no_confirmation(db):
    meeting = MeetingFactory(window_open=False)
    db.session.commit()
    update_meeting(UserFactory(), meeting, _moved(meeting, 3), _sessions(meeting, timedelta(3)))
    assert db.session.query(AuditEvent).filter_by(action="meeting.update").count() == 1


def _form(meeting, days: int) -> dict:
    shift = timedelta(days=days)
    session = meeting.sessions[0]
    return {
        "kind": meeting.kind.value,
        "number": "",
        "title": meeting.title,
        "venue": meeting.venue,
        "city": meeting.city,
        "starts_on": (meeting.starts_on + shift).isoformat(),
        "ends_on": (meeting.ends_on + shift).isoformat(),
        "applications_open_on": meeting.applications_open_on.isoformat(),
        "applications_close_on": meeting.applications_close_on.isoformat(),
        "offer_response_days": "14",
        "dsa_rate": "412.00",
        "dsa_currency": "CHF",
        "terminal_expenses": "200.00",
        "delegate_cap": "2",
        "report_due_days": "30",
        "sessions-0-id": str(session.id),
        "sessions-0-title": session.title,
        "sessions-0-theme": session.theme.value,
        "sessions-0-held_on": (session.held_on + shift).isoformat(),
    }


def test_edit_page_asks_confirmation_then_saves(client, db, auth, applied):
    admin = UserFactory()
    db.session.commit()
    auth.login(admin.email)
    path = f"/admin/meetings/{applied.id}/edit"
    starts = applied.starts_on
    response = post_form(client, path, _form(applied, 7), page=path)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'name="confirm_dates"' in html and "Confirm the new dates" in html
    db.session.expire_all()
    assert applied.starts_on == starts
    response = post_form(client, path, {**_form(applied, 7), "confirm_dates": "1"}, page=path)
    assert response.status_code == 302
    db.session.expire_all()
    assert applied.starts_on == starts + timedelta(days=7)
