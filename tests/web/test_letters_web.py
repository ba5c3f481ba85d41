"""Letter pages: public verification, the administrators' issue/revoke/bulk, downloads, mail."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

from sqlalchemy import func, select

from sponsorship.documents import bulk, letters
from sponsorship.jobs import definitions, queues
from sponsorship.mail import outbox as mail_service
from sponsorship.models import Letter, OutboxMessage, Role
from tests.applicant_data import offered_award
from tests.conftest import post_form
from tests.factories import StateFactory, UserFactory


def test_verify_valid_code_shows_type_state_meeting_date_and_name_only(client, admin, award):
    letter = letters.issue(award, admin)
    response = client.get(f"/verify/{letter.verification_code}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-status="valid"' in page
    assert "Offer of sponsorship" in page
    assert award.delegate.name in page
    assert award.delegate.application.meeting.title in page
    assert letter.snapshot["state_name"] in page
    assert award.delegate.email not in page
    assert award.reference not in page
    assert "public" in response.headers["Cache-Control"]


def test_verify_superseded_and_revoked_codes_say_a_newer_version_exists(client, db, admin, award):
    first = letters.issue(award, admin)
    award.cost_lines[0].amount = Decimal("2000.00")
    db.session.commit()
    second = letters.issue(award, admin)
    old_page = client.get(f"/verify/{first.verification_code}").get_data(as_text=True)
    assert 'data-status="superseded"' in old_page
    assert 'id="verify-newer"' in old_page
    assert second.verification_code not in old_page
    letters.revoke(second, admin)
    revoked = client.get(f"/verify/{second.verification_code}").get_data(as_text=True)
    assert 'data-status="revoked"' in revoked
    assert 'id="verify-newer"' not in revoked  # nothing newer than the revoked one


def test_verify_unknown_code_says_no_such_document(client, db):
    for code in ("AAAA-AAAA", "A" * 200, "<script>"):
        response = client.get("/verify/" + code)
        page = response.get_data(as_text=True)
        assert response.status_code == 404
        assert 'data-status="unknown"' in page
        assert "<script>" not in page


def test_verify_form_sends_typed_code_to_its_page(client, db, admin, award):
    letter = letters.issue(award, admin)
    assert 'id="verify-form"' in client.get("/verify").get_data(as_text=True)
    typed = letter.verification_code.lower().replace("-", " ")
    response = client.get("/verify", query_string={"code": typed})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/verify/{letter.verification_code}")


def test_verify_unknown_code_takes_as_long_as_a_known_one(
    app, client, db, admin, award, monkeypatch
):
    import statistics
    import time

    monkeypatch.setitem(app.config, "VERIFY_MIN_SECONDS", 0.05)
    letter = letters.issue(award, admin)

    def median(code: str) -> float:
        times = []
        for _ in range(7):
            start = time.perf_counter()
            client.get(f"/verify/{code}")
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    known, unknown = median(letter.verification_code), median("ZZZZ-ZZZZ")
    assert known >= 0.05 and unknown >= 0.05
    assert abs(known - unknown) < 0.02


def test_verify_is_rate_limited_per_client(database_url):
    from sponsorship.extensions import db as database
    from tests.apps import build_app

    app = build_app(database_url, RATELIMIT_ENABLED=True, VERIFY_RATE_LIMIT="3 per minute")
    client = app.test_client()
    try:
        codes = [client.get(f"/verify/ZZZZ-ZZZ{i}").status_code for i in range(5)]
    finally:
        with app.app_context():
            database.engine.dispose()
    assert codes[:3] == [404, 404, 404]
    assert codes[3:] == [429, 429]


def test_admin_issue_button_issues_letter_and_download_returns_it(client, auth, admin, award):
    auth.login(admin.email)
    page_url = f"/admin/review/applications/{award.delegate.application_id}"
    response = post_form(client, f"/admin/review/awards/{award.id}/letter", page=page_url)
    assert response.status_code == 302
    letter = letters.current_letter(award)
    assert letter is not None
    page = client.get(page_url).get_data(as_text=True)
    assert letter.verification_code in page
    download = client.get(f"/admin/review/letters/{letter.id}/download")
    assert download.data == letter.pdf
    preview = client.get(f"/admin/review/awards/{award.id}/letter/preview?format=pdf")
    assert preview.data.startswith(b"%PDF")


def test_applicant_download_returns_own_state_letter(client, auth, admin, award):
    letter = letters.issue(award, admin)
    applicant = UserFactory(role=Role.APPLICANT, state=award.delegate.application.state)
    auth.login(applicant.email)
    response = client.get(f"/apply/awards/{award.id}/letter")
    assert response.status_code == 200
    assert response.data == letter.pdf


class _Recorder:
    def __init__(self):
        self.running: set[int] = set()
        self.jobs: list[tuple[str, dict]] = []

    def enqueue(self, name, **kwargs):
        self.jobs.append((name, kwargs))
        return name


def test_bulk_button_enqueues_job_once_and_job_issues_letters(
    app, client, auth, db, admin, monkeypatch
):
    first = offered_award(StateFactory())
    meeting = first.delegate.application.meeting
    second = offered_award(StateFactory(), meeting=meeting)
    db.session.commit()
    recorder = _Recorder()
    monkeypatch.setattr(app.extensions[queues.EXTENSION], "queue", recorder)
    monkeypatch.setattr(bulk, "_render_snapshot", lambda s: b"%PDF-1.7 " + s["reference"].encode())
    auth.login(admin.email)
    url = f"/admin/review/meetings/{meeting.id}/letters"
    assert post_form(client, url, page=url).status_code == 302
    assert post_form(client, url, page=url).status_code == 302
    assert [name for name, _ in recorder.jobs] == ["issue-letters"]
    page = client.get(url)
    assert page.headers.get("Refresh") == "2"
    assert client.get(url + "/status").get_json()["running"] is True
    result = definitions.issue_letters(**recorder.jobs[0][1])
    assert result["issued"] == 2
    definitions.issue_letters(**recorder.jobs[0][1])
    assert db.session.scalar(select(func.count(Letter.id))) == 2
    status = client.get(url + "/status").get_json()
    assert status == {"total": 2, "issued": 2, "pending": 0, "running": False}
    # The ZIP is a job's work too: the request queues it, then serves the stored copy.
    assert client.get(url + ".zip").status_code == 303
    name, kwargs = recorder.jobs[-1]
    assert name == "prepare-export"
    definitions.prepare_export(**kwargs)
    zipped = client.get(url + ".zip")
    assert zipped.headers["Content-Type"] == "application/zip"
    assert f"letters-meeting-{meeting.id}.zip" in zipped.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(zipped.data)) as archive:
        assert sorted(archive.namelist()) == sorted(
            f"{award.reference}-offer-v1.pdf" for award in (first, second)
        )


def test_offer_mail_carries_issued_letter_as_attachment(db, admin, award):
    letter = letters.issue(award, admin)
    message = OutboxMessage(
        kind="award.offer",
        to_address="mission@example.org",
        subject="Offer",
        body="Hello",
        object_type="Award",
        object_id=award.id,
        next_attempt_at=letter.issued_at,
    )
    db.session.add(message)
    db.session.commit()
    email = mail_service._email(message)
    attachments = list(email.iter_attachments())
    assert len(attachments) == 1
    assert attachments[0].get_content_type() == "application/pdf"
    assert attachments[0].get_content() == letter.pdf


def test_letters_page_statements_do_not_grow_with_the_states_awarded(
    client, db, auth, admin, count_queries
):
    first = offered_award(StateFactory())
    meeting = first.delegate.application.meeting
    url = f"/admin/review/meetings/{meeting.id}/letters"
    auth.login(admin.email)

    def statements() -> int:
        db.session.expire_all()
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        return counter.count

    few = statements()
    for _ in range(4):
        offered_award(StateFactory(), meeting=meeting)
    db.session.commit()
    assert statements() == few
