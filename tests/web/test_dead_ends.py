"""No dead ends (issue 23): what an administrator needs next is linked from where they
are, and no button is shown that would only refuse."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sponsorship.models import AwardStatus
from tests.applicant_data import accepted_award_after_meeting, offered_award, stub_letter
from tests.factories import MeetingFactory, StateFactory, UserFactory


@pytest.fixture
def admin(db, auth):
    user = UserFactory()
    db.session.commit()
    auth.login(user.email)
    return user


def _html(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_review_page_links_the_nomination_note_and_the_letters(client, db, admin):
    award = offered_award(StateFactory())
    application = award.delegate.application
    application.note_path, application.note_filename = "notes/x.pdf", "note-verbale.pdf"
    db.session.commit()
    html = _html(client, f"/admin/review/applications/{application.id}")
    assert f'href="/apply/applications/{application.id}/note"' in html
    assert f'href="/admin/review/meetings/{application.meeting_id}/letters"' in html


def test_attendance_is_offered_only_once_the_meeting_has_begun(client, db, admin):
    future = MeetingFactory(
        starts_on=date.today() + timedelta(days=180),
        ends_on=date.today() + timedelta(days=183),
        applications_open_on=date.today() - timedelta(days=10),
        applications_close_on=date.today() + timedelta(days=60),
    )
    coming = accepted_award_after_meeting(StateFactory(), meeting=future, name="Not Yet")
    past = accepted_award_after_meeting(StateFactory(), name="Already There")
    db.session.commit()
    before = _html(client, f"/admin/review/applications/{coming.delegate.application_id}")
    assert f"/admin/review/awards/{coming.id}/attendance" not in before
    assert "Attendance can be recorded from" in before
    after = _html(client, f"/admin/review/applications/{past.delegate.application_id}")
    assert f"/admin/review/awards/{past.id}/attendance" in after


def test_letters_page_lists_every_awarded_delegate_with_their_letter(client, db, admin):
    state = StateFactory()
    with_letter = offered_award(state, name="Has A Letter")
    meeting = with_letter.delegate.application.meeting
    without = offered_award(StateFactory(), meeting=meeting, name="Still Waiting")
    db.session.add(stub_letter(with_letter, "ROSTER-1"))
    db.session.commit()
    html = _html(client, f"/admin/review/meetings/{meeting.id}/letters")
    assert f'id="roster-{with_letter.id}" data-letter="valid"' in html
    assert f'id="roster-{without.id}" data-letter="none"' in html
    assert "Has A Letter" in html and "Still Waiting" in html
    # Reachable from the review queue and the meetings list, not only after the meeting.
    assert f"/admin/review/meetings/{meeting.id}/letters" in _html(
        client, f"/admin/review/?meeting={meeting.id}"
    )
    assert f"/admin/review/meetings/{meeting.id}/letters" in _html(client, "/admin/meetings/")
    assert without.status == AwardStatus.OFFERED
