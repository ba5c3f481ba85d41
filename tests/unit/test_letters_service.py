"""Issuing, versioning, revoking and verifying award letters; the bulk run and its CLI."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from sponsorship.core.errors import DomainError
from sponsorship.documents import bulk, letters
from sponsorship.models import AuditEvent, AwardStatus, Letter, LetterStatus
from tests.applicant_data import offered_award
from tests.factories import StateFactory


def _fake_pdf(snapshot: dict) -> bytes:
    return b"%PDF-1.7 " + snapshot["reference"].encode()


def test_issue_stores_pdf_with_matching_sha256(db, admin, award):
    letter = letters.issue(award, admin)
    assert letter.version == 1
    assert letter.status == LetterStatus.VALID
    assert letter.language == award.delegate.application.language
    assert letter.issued_by_id == admin.id
    assert hashlib.sha256(letter.pdf).hexdigest() == letter.sha256
    text = PdfReader(io.BytesIO(letter.pdf)).pages[0].extract_text()
    assert award.reference in text
    assert letter.snapshot["reference"] == award.reference
    assert letter.snapshot["verification_code"] == letter.verification_code


def test_verification_code_is_short_and_unambiguous():
    codes = {letters.new_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert len(code) == 9 and code[4] == "-"
        assert not set(code.replace("-", "")) & set("01ILO")


def test_reissue_after_price_change_supersedes_without_changing_old_bytes(db, admin, award):
    first = letters.issue(award, admin)
    first_pdf, first_sha, first_id = first.pdf, first.sha256, first.id
    line = award.cost_lines[0]
    line.unit_amount = line.amount = Decimal("1234.00")
    db.session.commit()
    second = letters.issue(award, admin)
    db.session.expire_all()
    old = db.session.get(Letter, first_id)
    assert second.version == 2
    assert old.status == LetterStatus.SUPERSEDED
    assert old.superseded_at is not None
    assert old.pdf == first_pdf and old.sha256 == first_sha
    assert hashlib.sha256(old.pdf).hexdigest() == old.sha256
    assert second.snapshot["total"] != old.snapshot["total"]
    assert second.verification_code != old.verification_code
    assert letters.verify(old.verification_code).status == "superseded"
    assert letters.verify(second.verification_code).status == "valid"
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"letter.issued", "letter.superseded"} <= actions


def test_issue_for_award_not_offered_is_refused(db, admin, award):
    award.status = AwardStatus.DECLINED
    db.session.commit()
    with pytest.raises(DomainError):
        letters.issue(award, admin)
    assert db.session.scalar(select(func.count(Letter.id))) == 0


def test_revoke_marks_letter_revoked_and_verify_says_so(db, admin, award):
    letter = letters.issue(award, admin)
    letters.revoke(letter, admin, reason="issued in error")
    result = letters.verify(letter.verification_code)
    assert result.status == "revoked"
    assert result.kind == "offer" and not result.newer_version
    assert result.delegate_name == award.delegate.name
    with pytest.raises(DomainError):
        letters.revoke(letter, admin)
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "letter.revoked"))


def test_verify_unknown_code_returns_none(db):
    assert letters.verify("ZZZZ-ZZZZ") is None


def test_verify_lowercase_code_finds_letter(db, admin, award):
    letter = letters.issue(award, admin)
    assert letters.verify(letter.verification_code.lower().replace("-", "")).status == "valid"


def _meeting_with_offers(n: int):
    first = offered_award(StateFactory())
    meeting = first.delegate.application.meeting
    awards = [first] + [offered_award(StateFactory(), meeting=meeting) for _ in range(n - 1)]
    return meeting, awards


def test_bulk_issue_rerun_issues_each_letter_once(db, admin):
    meeting, awards = _meeting_with_offers(5)
    db.session.commit()
    first = bulk.bulk_issue(meeting.id, admin, renderer=_fake_pdf)
    again = bulk.bulk_issue(meeting.id, admin, renderer=_fake_pdf)
    assert len(first.issued) == 5 and first.failed == []
    assert again.issued == []
    assert db.session.scalar(select(func.count(Letter.id))) == 5
    assert bulk.progress(meeting.id) == {"total": 5, "issued": 5, "pending": 0}
    with zipfile.ZipFile(io.BytesIO(bulk.letters_zip(meeting.id))) as archive:
        assert len(archive.namelist()) == 5


def test_bulk_issue_retries_then_reports_failed_letter(db, admin):
    meeting, awards = _meeting_with_offers(3)
    db.session.commit()
    broken = awards[1].reference
    calls: dict[str, int] = {}

    def flaky(snapshot):
        ref = snapshot["reference"]
        calls[ref] = calls.get(ref, 0) + 1
        if ref == broken:
            raise RuntimeError("renderer crashed")
        if calls[ref] == 1 and ref == awards[2].reference:
            raise RuntimeError("transient")
        return _fake_pdf(snapshot)

    result = bulk.bulk_issue(meeting.id, admin, renderer=flaky)
    assert sorted(result.issued) == sorted([awards[0].reference, awards[2].reference])
    assert [ref for ref, _why in result.failed] == [broken]
    assert calls[broken] == 1 + bulk.RETRIES
    rerun = bulk.bulk_issue(meeting.id, admin, renderer=_fake_pdf)
    assert rerun.issued == [broken]


def _dies_once(snapshot: dict) -> bytes:
    """Renderer for a real process pool: the first letter it sees kills its process."""
    marker = Path(os.environ["LETTERS_TEST_DEATH_MARKER"])
    try:
        marker.touch(exist_ok=False)
    except FileExistsError:
        return _fake_pdf(snapshot)
    os._exit(1)


def test_bulk_issue_dead_render_process_retries_on_new_pool(db, admin, tmp_path, monkeypatch):
    meeting, awards = _meeting_with_offers(4)
    db.session.commit()
    monkeypatch.setenv("LETTERS_TEST_DEATH_MARKER", str(tmp_path / "died"))
    result = bulk.bulk_issue(meeting.id, admin, workers=2, renderer=_dies_once)
    assert (tmp_path / "died").exists()
    assert result.failed == [] and result.retried >= 1
    assert sorted(result.issued) == sorted(a.reference for a in awards)
    assert db.session.scalar(select(func.count(Letter.id))) == 4


def test_letters_issue_cli_issues_missing_letters_once(db, runner, monkeypatch):
    meeting, _awards = _meeting_with_offers(3)
    db.session.commit()
    monkeypatch.setattr(bulk, "_render_snapshot", _fake_pdf)
    result = runner.invoke(
        args=["letters", "issue", "--meeting", str(meeting.id), "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "3 issued" in result.output
    result = runner.invoke(
        args=["letters", "issue", "--meeting", str(meeting.id), "--workers", "1"]
    )
    assert "0 issued" in result.output
    assert db.session.scalar(select(func.count(Letter.id))) == 3


def test_letters_issue_cli_unknown_meeting_fails(db, runner):
    result = runner.invoke(args=["letters", "issue", "--meeting", "0"])
    assert result.exit_code != 0
