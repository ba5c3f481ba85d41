"""The applicant's application form: drafts, submission, delegates, the note, the rules."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from sponsorship.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    AwardStatus,
    MeetingSession,
    OutboxMessage,
    Role,
    Theme,
)
from sponsorship.storage import file_store
from tests.applicant_data import (
    FAKE_PDF,
    HTML_AS_PDF,
    application_fields,
    delegate_fields,
    html_polyglot,
    offered_award,
    pdf_bytes,
    pdf_with_disguised_javascript,
    pdf_with_javascript,
)
from tests.conftest import csrf_token, post_form
from tests.factories import (
    ApplicationFactory,
    AwardFactory,
    DelegateFactory,
    MeetingFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


@pytest.fixture
def meeting(db):
    m = MeetingFactory(title="Intersessional Meetings", delegate_cap=2)
    m.sessions.append(
        MeetingSession(
            title="Victim assistance", theme=Theme.VICTIM_ASSISTANCE, held_on=m.starts_on
        )
    )
    db.session.commit()
    return m


def new_url(meeting) -> str:
    return f"/apply/meetings/{meeting.id}/apply"


def post(client, path, data, **kwargs):
    """A multipart POST as the browser sends the application form."""
    return post_form(
        client, path, data, page="/apply/", content_type="multipart/form-data", **kwargs
    )


def the_application(db, applicant, meeting) -> Application | None:
    db.session.expire_all()
    return db.session.scalar(
        select(Application).where(
            Application.state_id == applicant.state_id, Application.meeting_id == meeting.id
        )
    )


def note(data: bytes = None, name: str = "note-verbale.pdf"):
    return (io.BytesIO(pdf_bytes() if data is None else data), name)


# ---- Seeing and opening the form --------------------------------------------------------


def test_dashboard_shows_open_meeting_with_apply_link_and_rules(signed_in, meeting):
    body = signed_in.get("/apply/").get_data(as_text=True)
    assert new_url(meeting) in body
    assert "Priorities the donors" in body
    assert "Nothing is waiting for you" in body


def test_dashboard_lists_current_applications_and_links_all_of_them(
    db, signed_in, applicant, monkeypatch
):
    old = MeetingFactory(
        title="Meeting of Long Ago",
        window_open=False,
        starts_on=date.today() - timedelta(days=800),
        ends_on=date.today() - timedelta(days=796),
    )
    ApplicationFactory(meeting=old, state=applicant.state, status=ApplicationStatus.DECIDED)
    offered_award(applicant.state, meeting=MeetingFactory(title="Meeting of Next Month"))
    db.session.commit()
    body = signed_in.get("/apply/").get_data(as_text=True)
    assert "Meeting of Next Month" in body and "Meeting of Long Ago" not in body
    assert 'href="/apply/applications"' in body and "All 2 applications" in body

    page = signed_in.get("/apply/applications").get_data(as_text=True)
    assert page.index("Meeting of Next Month") < page.index("Meeting of Long Ago")
    assert "2 applications, the latest meeting first." in page
    monkeypatch.setattr("sponsorship.applications.views.APPLICATIONS_PER_PAGE", 1)
    assert "Page 2 of 2" in signed_in.get("/apply/applications?page=9").get_data(as_text=True)
    first = signed_in.get("/apply/applications?page=x").get_data(as_text=True)
    assert "Page 1 of 2" in first and "Meeting of Long Ago" not in first


def test_dashboard_marks_a_mail_written_in_another_language(db, signed_in, applicant):
    from sponsorship.mail import outbox
    from sponsorship.models import OutboxMessage

    award = offered_award(applicant.state, name="Idriss Abakar")
    for language in ("fr", "en"):
        message = outbox.queue(
            applicant.email,
            "offer_declined",
            language,
            kind="award.x",
            obj=award,
            award=award,
            delegate=award.delegate,
            application=award.delegate.application,
            meeting=award.delegate.application.meeting,
            link="http://x/",
        )
        message.kind = f"award.declined.{language}"  # two events, not one mail twice
    db.session.add(
        OutboxMessage(
            kind="old",
            to_address=applicant.email,
            subject="Old news",
            body="-",
            next_attempt_at=award.offered_at,
        )
    )
    db.session.commit()
    body = signed_in.get("/apply/").get_data(as_text=True)
    history = body[body.index('id="history-title"') : body.index('id="open-title"')]
    assert history.count('lang="fr"') == 1 and 'lang="en"' not in history
    assert "Old news" in history
    french = signed_in.get("/apply/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    history = french[french.index('id="history-title"') : french.index('id="open-title"')]
    assert history.count('lang="en"') == 1 and 'lang="fr"' not in history


def test_applications_page_of_a_state_without_any_says_so(signed_in):
    body = signed_in.get("/apply/applications").get_data(as_text=True)
    assert "Your State has no applications yet." in body


def test_new_application_get_shows_one_empty_delegate(signed_in, meeting):
    response = signed_in.get(new_url(meeting))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="delegates-0-name"' in body
    assert 'name="delegates-1-name"' not in body
    assert 'enctype="multipart/form-data"' in body


def test_new_application_closed_meeting_redirects_with_message(db, signed_in):
    closed = MeetingFactory(window_open=False)
    db.session.commit()
    response = signed_in.get(new_url(closed), follow_redirects=True)
    assert "Applications for this meeting are closed." in response.get_data(as_text=True)


def test_new_application_unknown_meeting_is_404(signed_in):
    assert signed_in.get("/apply/meetings/999999/apply").status_code == 404


# ---- Drafts ---------------------------------------------------------------------------


def test_save_draft_incomplete_is_saved_and_audited(db, signed_in, applicant, meeting):
    data = {"action": "draft", "language": "fr", **delegate_fields(0, name="Achta", email="")}
    data = {k: v for k, v in data.items() if not k.endswith(("gender", "passport_expiry"))}
    response = post(signed_in, new_url(meeting), data)
    assert response.status_code == 302
    app = the_application(db, applicant, meeting)
    assert app.status == ApplicationStatus.DRAFT
    assert app.language == "fr"
    assert [d.name for d in app.delegates] == ["Achta"]
    assert response.headers["Location"] == f"/apply/applications/{app.id}/edit"
    actions = db.session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.object_type == "Application", AuditEvent.object_id == app.id
        )
    ).all()
    assert "application.create" in actions


def test_edit_draft_shows_saved_values_and_updates(db, signed_in, applicant, meeting):
    post(signed_in, new_url(meeting), application_fields(meeting, action="draft"))
    app = the_application(db, applicant, meeting)
    body = signed_in.get(f"/apply/applications/{app.id}/edit").get_data(as_text=True)
    assert 'value="Achta Mahamat 0"' in body
    changed = application_fields(meeting, action="draft", **{"delegates-0-name": "Achta M."})
    response = post(signed_in, f"/apply/applications/{app.id}/edit", changed)
    assert response.status_code == 302
    assert [d.name for d in the_application(db, applicant, meeting).delegates] == ["Achta M."]


def test_second_application_for_same_meeting_goes_to_the_first(db, signed_in, applicant, meeting):
    post(signed_in, new_url(meeting), application_fields(meeting, action="draft"))
    app = the_application(db, applicant, meeting)
    response = signed_in.get(new_url(meeting))
    assert response.headers["Location"] == f"/apply/applications/{app.id}"


def test_enter_key_default_button_is_save_draft(signed_in, meeting):
    """The first submit button in the form is what Enter presses: it must not remove a row."""
    body = signed_in.get(new_url(meeting)).get_data(as_text=True)
    form = body[body.index('id="application-form"') :]
    first = re.search(r'<button type="submit" name="action" value="([^"]+)"', form)
    assert first.group(1) == "draft"


# ---- Delegates without JavaScript -----------------------------------------------------


def test_add_delegate_keeps_everything_typed(signed_in, meeting):
    data = application_fields(meeting, action="add", **{"national_role": "Co-chair <b>"})
    response = post(signed_in, new_url(meeting), data)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="delegates-1-name"' in body
    assert 'value="Achta Mahamat 0"' in body
    assert "Co-chair &lt;b&gt;" in body
    assert "error-summary" not in body


def test_add_delegate_beyond_cap_is_refused(signed_in, meeting):
    data = application_fields(meeting, delegates=2, action="add")
    response = post(signed_in, new_url(meeting), data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "at most 2 delegates" in body
    assert 'name="delegates-2-name"' not in body


def test_remove_delegate_keeps_the_others_renumbered(signed_in, meeting):
    data = application_fields(meeting, delegates=2, action="remove-0")
    response = post(signed_in, new_url(meeting), data)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="delegates-1-name"' not in body
    assert re.search(r'name="delegates-0-name"[^>]*value="Achta Mahamat 1"', body)


def test_save_more_delegates_than_cap_is_refused(db, signed_in, applicant, meeting):
    data = application_fields(meeting, delegates=3, action="draft")
    response = post(signed_in, new_url(meeting), data)
    assert response.status_code == 422
    assert "at most 2 delegates" in response.get_data(as_text=True)
    assert the_application(db, applicant, meeting) is None


# ---- Submitting -----------------------------------------------------------------------


def test_submit_complete_application_queues_confirmation(db, signed_in, applicant, meeting):
    data = {**application_fields(meeting, delegates=2), "note": note()}
    response = post(signed_in, new_url(meeting), data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    app = the_application(db, applicant, meeting)
    assert app.status == ApplicationStatus.SUBMITTED
    assert app.submitted_at is not None
    assert len(app.delegates) == 2
    assert app.note_filename == "note-verbale.pdf"
    mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "application.submitted")
    ).all()
    assert [m.to_address for m in mail] == [applicant.email]
    assert meeting.title in mail[0].subject
    assert f"/apply/applications/{app.id}" in mail[0].body
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Submitted" in page


def test_submit_missing_fields_shows_errors_by_fields_and_keeps_input(db, signed_in, meeting):
    data = application_fields(
        meeting, **{"delegates-0-function": "", "consent_personal_data": None}
    )
    response = post(signed_in, new_url(meeting), data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    # next to the field
    assert 'id="delegates-0-function-error"' in body
    assert 'id="consent_personal_data-error"' in body
    assert 'id="note-error"' in body
    # and in the summary, linking to it
    assert 'href="#delegates-0-function"' in body
    assert 'href="#note"' in body
    # nothing typed is lost
    assert 'value="Achta Mahamat 0"' in body
    assert 'value="achta0@example.org"' in body
    assert "Article 5 update" in body


def test_submit_passport_expiring_within_six_months_is_refused(db, signed_in, meeting):
    too_soon = meeting.ends_on + timedelta(days=150)
    data = {
        **application_fields(meeting, **{"delegates-0-passport_expiry": too_soon.isoformat()}),
        "note": note(),
    }
    response = post(signed_in, new_url(meeting), data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="delegates-0-passport_expiry-error"' in body
    assert "six months after the meeting" in body


def test_submit_invalid_email_is_refused(signed_in, meeting):
    data = {
        **application_fields(meeting, **{"delegates-0-email": "not-an-address"}),
        "note": note(),
    }
    response = post(signed_in, new_url(meeting), data)
    assert response.status_code == 422
    assert 'id="delegates-0-email-error"' in response.get_data(as_text=True)


def test_submit_without_sessions_is_refused(signed_in, meeting):
    data = {**application_fields(meeting, sessions=None), "note": note()}
    response = post(signed_in, new_url(meeting), data)
    assert response.status_code == 422
    assert 'id="sessions-error"' in response.get_data(as_text=True)


def test_submit_session_of_other_meeting_is_refused(db, signed_in, meeting):
    other = MeetingFactory()
    db.session.commit()
    data = {**application_fields(meeting, sessions=[str(other.sessions[0].id)]), "note": note()}
    response = post(signed_in, new_url(meeting), data)
    assert response.status_code == 422


def test_submit_after_window_closed_is_refused(db, signed_in, applicant, meeting):
    post(signed_in, new_url(meeting), application_fields(meeting, action="draft"))
    app = the_application(db, applicant, meeting)
    meeting.applications_close_on = date.today() - timedelta(days=1)
    meeting.applications_open_on = date.today() - timedelta(days=30)
    db.session.commit()
    response = post(
        signed_in,
        f"/apply/applications/{app.id}/edit",
        {**application_fields(meeting), "note": note()},
    )
    assert response.status_code == 422
    assert "Applications for this meeting are closed." in response.get_data(as_text=True)
    assert the_application(db, applicant, meeting).status == ApplicationStatus.DRAFT


def test_edit_submitted_application_redirects_to_view(db, signed_in, applicant, meeting):
    post(signed_in, new_url(meeting), {**application_fields(meeting), "note": note()})
    app = the_application(db, applicant, meeting)
    response = post(signed_in, f"/apply/applications/{app.id}/edit", application_fields(meeting))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/apply/applications/{app.id}"


def test_withdraw_submitted_application(db, signed_in, applicant, meeting):
    post(signed_in, new_url(meeting), {**application_fields(meeting), "note": note()})
    app = the_application(db, applicant, meeting)
    response = post_form(signed_in, f"/apply/applications/{app.id}/withdraw", page="/apply/")
    assert response.status_code == 302
    assert the_application(db, applicant, meeting).status == ApplicationStatus.WITHDRAWN


def test_withdraw_cancels_pending_awards(db, signed_in, applicant):
    app = ApplicationFactory(state=applicant.state, status=ApplicationStatus.IN_REVIEW)
    award = AwardFactory(delegate=DelegateFactory(application=app))
    db.session.commit()
    post_form(signed_in, f"/apply/applications/{app.id}/withdraw", page="/apply/")
    db.session.expire_all()
    assert app.status == ApplicationStatus.WITHDRAWN
    assert award.status == AwardStatus.CANCELLED


def test_withdraw_after_an_offer_is_refused(db, signed_in, applicant):
    award = offered_award(applicant.state)
    db.session.commit()
    app = award.delegate.application
    response = post_form(
        signed_in, f"/apply/applications/{app.id}/withdraw", page="/apply/", follow_redirects=True
    )
    assert "can no longer be withdrawn" in response.get_data(as_text=True)
    db.session.expire_all()
    assert app.status == ApplicationStatus.IN_REVIEW


# ---- The nomination note --------------------------------------------------------------


def test_uploaded_note_survives_rerender_and_is_attached_on_submit(
    db, signed_in, applicant, meeting
):
    first = post(
        signed_in,
        new_url(meeting),
        {**application_fields(meeting, action="add"), "note": note(name="NV 123.pdf")},
    )
    body = first.get_data(as_text=True)
    assert "Received: NV 123.pdf" in body
    token = re.search(r'name="note_token"[^>]*value="([^"]+)"', body).group(1)
    second = post(signed_in, new_url(meeting), {**application_fields(meeting), "note_token": token})
    assert second.status_code == 302
    app = the_application(db, applicant, meeting)
    assert app.note_filename == "NV 123.pdf"
    download = signed_in.get(f"/apply/applications/{app.id}/note")
    assert download.status_code == 200
    assert download.data.startswith(b"%PDF-")
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    download.close()


def test_uploaded_note_survives_a_validation_error(signed_in, meeting):
    data = {
        **application_fields(meeting, **{"delegates-0-email": "broken"}),
        "note": note(),
    }
    body = post(signed_in, new_url(meeting), data).get_data(as_text=True)
    assert "Received: note-verbale.pdf" in body
    assert re.search(r'name="note_token"[^>]*value="[^"]+"', body)


def test_note_is_stored_in_shared_storage_with_random_name(
    db, signed_in, applicant, meeting, upload_dir
):
    post(
        signed_in,
        new_url(meeting),
        {**application_fields(meeting), "note": note(name="../../x.pdf")},
    )
    app = the_application(db, applicant, meeting)
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", app.note_path)
    assert file_store().stat(f"notes/{app.note_path}").content_type == "application/pdf"
    assert not (upload_dir / "notes").exists()
    assert app.note_filename == "x.pdf"


def test_note_token_of_another_user_is_ignored(db, client, auth, meeting):
    first, second = UserFactory(applicant=True), UserFactory(applicant=True)
    db.session.commit()
    auth.login(first.email)
    body = post(
        client, new_url(meeting), {**application_fields(meeting, action="add"), "note": note()}
    ).get_data(as_text=True)
    token = re.search(r'name="note_token"[^>]*value="([^"]+)"', body).group(1)
    auth.logout()
    auth.login(second.email)
    response = post(client, new_url(meeting), {**application_fields(meeting), "note_token": token})
    assert response.status_code == 422
    assert 'id="note-error"' in response.get_data(as_text=True)


def test_forged_note_token_is_ignored(signed_in, meeting):
    response = post(
        signed_in, new_url(meeting), {**application_fields(meeting), "note_token": "x.y"}
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (FAKE_PDF, "damaged or incomplete"),
        (HTML_AS_PDF, "not a PDF"),
        (b"GIF89a" + b"\0" * 100, "not a PDF"),
        (b"", "empty"),
        (html_polyglot(), "web content"),
        (pdf_with_javascript(), "web content"),
        (pdf_with_disguised_javascript(), "web content"),
    ],
    ids=[
        "fake-pdf",
        "html",
        "gif",
        "empty",
        "pdf-html-polyglot",
        "pdf-javascript",
        "pdf-disguised-js",
    ],
)
def test_bad_note_is_refused_with_clear_message(
    db, signed_in, applicant, meeting, upload_dir, content, message
):
    data = {**application_fields(meeting), "note": note(content, "note.pdf")}
    response = post(signed_in, new_url(meeting), data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="note-error"' in body
    assert message in re.search(r'id="note-error">([^<]*)<', body).group(1)
    assert the_application(db, applicant, meeting) is None
    assert file_store().keys("notes/") == []


def test_oversized_note_is_refused_by_its_field(app, db, signed_in, meeting, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_NOTE_BYTES", 2000)
    big = pdf_bytes(pages=40)
    assert len(big) > 2000
    response = post(signed_in, new_url(meeting), {**application_fields(meeting), "note": note(big)})
    assert response.status_code == 422
    assert "larger than" in response.get_data(as_text=True)


def test_request_over_the_upload_limit_is_refused(app, signed_in, meeting, monkeypatch):
    # The application form's ceiling (tests/web/test_upload_limit.py for below it).
    monkeypatch.setitem(app.config, "MAX_UPLOAD_REQUEST_BYTES", 5000)
    token = csrf_token(signed_in, "/apply/")
    response = signed_in.post(
        new_url(meeting),
        data={"csrf_token": token, "note": (io.BytesIO(b"%PDF-" + b"0" * 10000), "big.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413


def test_note_download_by_administrator_is_allowed_and_donor_forbidden(
    db, client, auth, signed_in, applicant, meeting
):
    post(signed_in, new_url(meeting), {**application_fields(meeting), "note": note()})
    app = the_application(db, applicant, meeting)
    auth.logout()
    admin = UserFactory(role=Role.ADMINISTRATOR)
    donor = UserFactory(donor_rep=True)
    db.session.commit()
    auth.login(admin.email)
    download = client.get(f"/apply/applications/{app.id}/note")
    download.close()
    assert download.status_code == 200
    auth.logout()
    auth.login(donor.email)
    assert client.get(f"/apply/applications/{app.id}/note").status_code == 403


# ---- Hostile text ---------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "Robert'); DROP TABLE applications;--",
    "محمد عبد الله 👩🏽‍💼 ‮evil‬",
    "x" * 199,
]
TEXT_FIELDS = ["name", "function", "organisation", "departure_city", "passport_number", "phone"]


@pytest.mark.parametrize("text", HOSTILE, ids=["script", "img-onerror", "sql", "rtl-emoji", "long"])
def test_hostile_text_is_stored_as_typed_and_shown_escaped(db, signed_in, applicant, meeting, text):
    limits = {"phone": 50, "passport_number": 50, "departure_city": 120}
    values = {f"delegates-0-{f}": text[: limits.get(f, 200)] for f in TEXT_FIELDS}
    values["delegates-0-accessibility_needs"] = text
    values["national_role"] = text
    data = {
        **application_fields(meeting, **values),
        "note": note(name=f"{text[:50]}.pdf".replace('"', "")),
    }
    response = post(signed_in, new_url(meeting), data)
    assert response.status_code == 302, re.findall(
        r'class="error"[^>]*>([^<]*)<', response.get_data(as_text=True)
    )
    app = the_application(db, applicant, meeting)
    delegate = app.delegates[0]
    for f in TEXT_FIELDS:
        assert getattr(delegate, f) == text[: limits.get(f, 200)]
    assert delegate.accessibility_needs == text
    assert app.national_role == text
    for page in (f"/apply/applications/{app.id}", "/apply/"):
        body = signed_in.get(page).get_data(as_text=True)
        assert "<script>alert(1)" not in body
        assert "<img src=x" not in body
    mail = db.session.scalar(select(OutboxMessage))
    assert "\n" not in mail.subject


def test_control_characters_are_refused(signed_in, meeting):
    data = application_fields(meeting, action="draft", **{"delegates-0-name": "A\x00B"})
    response = post(signed_in, new_url(meeting), data)
    assert response.status_code == 422
    assert 'id="delegates-0-name-error"' in response.get_data(as_text=True)


def test_overlong_text_is_refused_not_truncated(signed_in, meeting):
    data = application_fields(meeting, action="draft", **{"delegates-0-name": "x" * 201})
    response = post(signed_in, new_url(meeting), data)
    assert response.status_code == 422
    assert 'id="delegates-0-name-error"' in response.get_data(as_text=True)


def test_submit_with_form_and_rule_errors_shows_all_at_once(signed_in, meeting):
    data = application_fields(
        meeting,
        **{
            "delegates-0-email": "bad",
            "delegates-0-function": "",
            "consent_personal_data": None,
        },
    )
    body = post(signed_in, new_url(meeting), data).get_data(as_text=True)
    for field_id in ("delegates-0-email", "delegates-0-function", "consent_personal_data", "note"):
        assert f'id="{field_id}-error"' in body
        assert f'href="#{field_id}"' in body
    assert body.count('id="delegates-0-email-error"') == 1


def test_error_summary_is_focused_by_a_static_script(signed_in, meeting):
    body = post(signed_in, new_url(meeting), application_fields(meeting)).get_data(as_text=True)
    assert '<script src="/static/js/applicant.js" defer></script>' in body
    assert "<script>" not in body.replace("&lt;script&gt;", "")
