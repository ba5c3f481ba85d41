"""The application rules, called as a CLI or a job would: no HTTP."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from sponsorship.applications import rules
from sponsorship.applications import services as applications
from sponsorship.applications.rules import (
    ApplicationInput,
    ApplicationInvalid,
    DelegateInput,
    add_months,
)
from sponsorship.applications.uploads import StoredNote, UploadRefused, check_pdf, clean_filename
from sponsorship.core.errors import NotAllowed
from sponsorship.models import ApplicationStatus, AuditEvent, AwardStatus, OutboxMessage
from sponsorship.models.base import utcnow
from tests.applicant_data import accepted_award_after_meeting, offered_award, pdf_bytes
from tests.factories import MeetingFactory, UserFactory

TODAY = date.today()
NOTE = StoredNote("0" * 32 + ".pdf", "note.pdf")


def delegate(meeting, **overrides) -> DelegateInput:
    values = dict(
        name="Achta Mahamat",
        gender="female",
        function="Coordinator",
        organisation="HCND",
        email="achta@example.org",
        nationality="TCD",
        passport_number="P1",
        passport_expiry=rules.passport_valid_until(meeting),
        departure_city="N'Djamena",
    )
    values.update(overrides)
    return DelegateInput(**values)


def complete(meeting, **overrides) -> ApplicationInput:
    values = dict(
        delegates=[delegate(meeting)],
        session_ids=[meeting.sessions[0].id],
        consent_personal_data=True,
        note=NOTE,
    )
    values.update(overrides)
    return ApplicationInput(**values)


def every_application(state_id: int) -> list:
    return applications.applications_page(state_id, 1, 1000).applications


def fields(error: ApplicationInvalid) -> set[tuple]:
    return {(e.field, e.index) for e in error.errors}


@pytest.fixture
def applicant(db):
    return UserFactory(applicant=True)


@pytest.fixture
def meeting(db):
    return MeetingFactory(delegate_cap=2)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 6, 19), 6, date(2026, 12, 19)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
    ],
)
def test_add_months_clamps_to_month_end(day, months, expected):
    assert add_months(day, months) == expected


def test_submit_passport_valid_exactly_six_months_after_is_accepted(db, applicant, meeting):
    app = applications.save(applicant, meeting, complete(meeting), TODAY, submit=True)
    assert app.status == ApplicationStatus.SUBMITTED


def test_submit_passport_one_day_short_is_refused(db, applicant, meeting):
    short = rules.passport_valid_until(meeting) - timedelta(days=1)
    data = complete(meeting, delegates=[delegate(meeting, passport_expiry=short)])
    with pytest.raises(ApplicationInvalid) as error:
        applications.save(applicant, meeting, data, TODAY, submit=True)
    assert fields(error.value) == {("passport_expiry", 0)}


def test_submit_lists_every_missing_field(db, applicant, meeting):
    data = ApplicationInput(delegates=[DelegateInput(name="Only a name")])
    with pytest.raises(ApplicationInvalid) as error:
        applications.save(applicant, meeting, data, TODAY, submit=True)
    found = fields(error.value)
    for name in rules.REQUIRED_DELEGATE_FIELDS:
        if name != "name":
            assert (name, 0) in found
    assert {("sessions", None), ("consent_personal_data", None), ("note", None)} <= found


def test_submit_without_delegates_is_refused(db, applicant, meeting):
    with pytest.raises(ApplicationInvalid) as error:
        applications.save(applicant, meeting, complete(meeting, delegates=[]), TODAY, submit=True)
    assert (None, None) in fields(error.value)


def test_draft_may_be_incomplete_but_not_over_cap(db, applicant, meeting):
    draft = applications.save(applicant, meeting, ApplicationInput(), TODAY)
    assert draft.status == ApplicationStatus.DRAFT
    over = ApplicationInput(delegates=[DelegateInput(name=f"D{i}") for i in range(3)])
    with pytest.raises(ApplicationInvalid):
        applications.save(applicant, meeting, over, TODAY, application=draft)


def test_draft_outside_window_is_refused(db, applicant):
    closed = MeetingFactory(window_open=False)
    with pytest.raises(ApplicationInvalid, match="closed"):
        applications.save(applicant, closed, ApplicationInput(), TODAY)


def test_window_dates_decide_even_when_flag_is_open(db, applicant):
    later = MeetingFactory(applications_open_on=TODAY + timedelta(days=1))
    with pytest.raises(ApplicationInvalid, match="closed"):
        applications.save(applicant, later, ApplicationInput(), TODAY)


def test_one_application_per_state_and_meeting(db, applicant, meeting):
    applications.save(applicant, meeting, ApplicationInput(), TODAY)
    colleague = UserFactory(role="applicant", state=applicant.state)
    with pytest.raises(ApplicationInvalid, match="already applied"):
        applications.save(colleague, meeting, ApplicationInput(), TODAY)


def test_other_states_applicant_cannot_change_draft(db, applicant, meeting):
    draft = applications.save(applicant, meeting, ApplicationInput(), TODAY)
    with pytest.raises(NotAllowed):
        applications.save(UserFactory(applicant=True), meeting, ApplicationInput(), TODAY, draft)


def test_submit_is_audited_and_confirmed_by_mail(db, applicant, meeting):
    app = applications.save(applicant, meeting, complete(meeting), TODAY, submit=True)
    events = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "Application", AuditEvent.object_id == app.id
        )
    ).all()
    assert [e.action for e in events] == ["application.create", "application.note_upload", "status"]
    assert events[-1].after == {"status": "submitted"}
    assert events[0].actor_id == applicant.id
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert message.to_address == applicant.email
    assert message.kind == "application.submitted"


def test_withdraw_after_decision_is_refused(db, applicant):
    award = offered_award(applicant.state)
    with pytest.raises(Exception, match="no longer be withdrawn"):
        applications.withdraw(applicant, award.delegate.application)


def test_tasks_order_offers_before_reports_and_mark_expired(db, applicant):
    offered_award(applicant.state, deadline=TODAY + timedelta(days=3))
    offered_award(applicant.state, deadline=TODAY - timedelta(days=1))
    accepted_award_after_meeting(applicant.state)
    kinds = [
        t.kind
        for t in applications.tasks(every_application(applicant.state_id), TODAY)
    ]
    assert kinds[:2] == ["answer_offer", "report_due"]
    assert "offer_expired" in kinds


def test_offer_expired_on_day_after_deadline_only(db, applicant):
    award = offered_award(applicant.state, deadline=TODAY)
    assert not applications.offer_expired(award, TODAY)
    assert applications.offer_expired(award, TODAY + timedelta(days=1))
    award.status = AwardStatus.ACCEPTED
    assert not applications.offer_expired(award, TODAY + timedelta(days=1))


# ---- The PDF check ----------------------------------------------------------------------


def test_check_pdf_accepts_real_pdf():
    check_pdf(pdf_bytes(), 10**6)


def test_check_pdf_refuses_truncated_pdf():
    with pytest.raises(UploadRefused):
        check_pdf(pdf_bytes()[:-40], 10**6)


def test_check_pdf_refuses_pdf_header_after_html():
    with pytest.raises(UploadRefused, match="not a PDF"):
        check_pdf(b"<html>" + pdf_bytes(), 10**6)


def test_check_pdf_refuses_encrypted_pdf():
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer.encrypt("secret", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(UploadRefused):
        check_pdf(buffer.getvalue(), 10**6)


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd", "passwd.pdf"),
        ("C:\\\\Users\\\\me\\\\NV 12.PDF", "NV 12.pdf"),
        ("a\x00b\r\n.pdf", "ab.pdf"),
        ("", "note-verbale.pdf"),
        ("x" * 300 + ".pdf", "x" * 200 + ".pdf"),
    ],
)
def test_clean_filename(given, kept):
    assert clean_filename(given) == kept


def _past_meeting(years_ago: int):
    ended = TODAY - timedelta(days=365 * years_ago)
    return MeetingFactory(
        window_open=False,
        starts_on=ended - timedelta(days=3),
        ends_on=ended,
        applications_open_on=ended - timedelta(days=120),
        applications_close_on=ended - timedelta(days=60),
    )


def test_current_applications_keep_every_task_and_leave_finished_history(db, applicant):
    """The dashboard loads only current applications; what it asks the State to do must
    be what every application of the State would give."""
    from sponsorship.applications.dashboard import document_tasks

    state = applicant.state
    overdue = accepted_award_after_meeting(state, meeting=_past_meeting(3), name="Overdue")
    attended = accepted_award_after_meeting(state, meeting=_past_meeting(4), name="Silent")
    attended.status = AwardStatus.ATTENDED
    reported = accepted_award_after_meeting(state, meeting=_past_meeting(5), name="Done")
    reported.status = AwardStatus.ATTENDED
    reported.report_received_at = utcnow()
    declined = offered_award(state, meeting=_past_meeting(6), name="Declined")
    declined.status = AwardStatus.DECLINED
    declined.delegate.application.status = ApplicationStatus.DECIDED
    stale_offer = offered_award(state, meeting=_past_meeting(2), deadline=TODAY - timedelta(500))
    offered_award(state, name="Current")  # a meeting of the coming weeks
    db.session.flush()

    everything = every_application(state.id)
    current = applications.current_applications(state.id, TODAY)

    def described(tasks):
        return sorted((t.kind, t.application.id, t.award and t.award.id) for t in tasks)

    assert described(applications.tasks(current, TODAY)) == described(
        applications.tasks(everything, TODAY)
    )
    assert [t.award.id for t in document_tasks(current)] == [
        t.award.id for t in document_tasks(everything)
    ]
    shown = {a.id for a in current}
    assert overdue.delegate.application_id in shown
    assert attended.delegate.application_id in shown
    assert stale_offer.delegate.application_id in shown
    assert reported.delegate.application_id not in shown
    assert declined.delegate.application_id not in shown
    assert len(everything) == 6 and applications.application_count(state.id) == 6


def test_applications_page_pages_latest_first_and_clamps(db, applicant):
    meetings = [_past_meeting(years) for years in range(1, 6)]
    for meeting in meetings:
        offered_award(applicant.state, meeting=meeting)
    db.session.flush()
    first = applications.applications_page(applicant.state_id, 1, 2)
    assert (first.total, first.page, first.pages) == (5, 1, 3)
    assert [a.meeting_id for a in first.applications] == [meetings[0].id, meetings[1].id]
    last = applications.applications_page(applicant.state_id, 99, 2)
    assert last.page == 3 and [a.meeting_id for a in last.applications] == [meetings[4].id]
