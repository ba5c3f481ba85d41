"""A nomination note far over the limit comes back to the same form, not a bare 413.

A browser sends the whole form and its file in one body: the test posts a real 30 MB
body, as it would arrive.
"""

from __future__ import annotations

import io
import re

import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.applicant_data import application_fields, pdf_bytes
from tests.conftest import csrf_token
from tests.factories import MeetingFactory, UserFactory

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


@pytest.fixture
def meeting(db):
    m = MeetingFactory(delegate_cap=2)
    db.session.commit()
    return m


@pytest.fixture
def signed_in(client, auth, db):
    user = UserFactory(applicant=True)
    db.session.commit()
    auth.login(user.email)
    return client


def huge_note(size: int) -> FileStorage:
    head = pdf_bytes()
    data = head + b"%" + b"0" * (size - len(head) - 1)
    return FileStorage(io.BytesIO(data), filename="scan.pdf", content_type="application/pdf")


def post_application(client, meeting, data, note):
    return post(client, f"/apply/meetings/{meeting.id}/apply", {**data, "note": note})


def post(client, path, data):
    """A multipart POST as a browser sends it, with the session's CSRF token. The body
    is encoded here in memory: the test client would spool it to a temporary file."""
    fields = MultiDict({"csrf_token": csrf_token(client, "/apply/"), **data})
    boundary, body = encode_multipart(fields)
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_a_30_mb_note_comes_back_with_the_limit_and_the_form_kept(app, signed_in, meeting):
    data = application_fields(meeting, action="draft", national_role="Head of the Article 5 team")
    response = post_application(signed_in, meeting, data, huge_note(30 * MB))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(r'id="note-error">([^<]*)<', body).group(1)
    assert "larger than 5 MB" in error
    # What the user typed is all there to send again.
    assert "Head of the Article 5 team" in body
    assert 'value="Achta Mahamat 0"' in body
    assert 'value="achta0@example.org"' in body


def test_a_note_over_the_limit_in_an_edited_draft_keeps_the_draft_form(app, db, signed_in, meeting):
    data = application_fields(meeting, action="draft")
    first = post(signed_in, f"/apply/meetings/{meeting.id}/apply", data)
    assert first.status_code == 302
    edit = first.headers["Location"]
    response = post(signed_in, edit, {**data, "note": huge_note(12 * MB)})
    assert response.status_code == 422
    assert "larger than 5 MB" in response.get_data(as_text=True)


def test_a_body_beyond_the_upload_ceiling_is_still_refused(app, signed_in, meeting, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_REQUEST_BYTES", 2 * MB)
    data = application_fields(meeting, action="draft")
    assert post_application(signed_in, meeting, data, huge_note(3 * MB)).status_code == 413


def test_other_forms_keep_the_plain_request_limit(app, client, auth, db, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 5000)
    admin = UserFactory()
    db.session.commit()
    auth.login(admin.email)
    token = csrf_token(client, "/admin/meetings/new")
    response = client.post("/admin/meetings/new", data={"csrf_token": token, "title": "x" * 9000})
    assert response.status_code == 413


def test_anonymous_posts_keep_the_plain_request_limit(client, meeting):
    boundary, body = encode_multipart(MultiDict({"note": huge_note(11 * MB)}))
    response = client.post(
        f"/apply/meetings/{meeting.id}/apply",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 413
