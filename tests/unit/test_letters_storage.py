"""Letters' PDFs in shared storage: issued letters survive the move out of their rows.

Before migration e4b9a2c7d1f3 a letter's PDF was the column `letters.pdf`; the next
revision moves each into the storage under letters/<sha256>.pdf, checked by sha256
(migrations/versions/e4b9a2c7d1f3_letters_in_storage.py). These tests build a scratch
SQLite database of their own: they migrate it down and up, which the shared test
database (bound to one connection per test) cannot do.
"""

from __future__ import annotations

import hashlib

import flask_migrate
import pytest
import sqlalchemy as sa

from sponsorship.documents import letters
from sponsorship.extensions import db
from sponsorship.models import Letter
from sponsorship.storage import StorageError, file_store
from tests.apps import build_app

BEFORE = "9c4e7a2b5d18"  # the migration just before the letters move to storage


@pytest.fixture
def scratch(tmp_path):
    app = build_app(f"sqlite:///{tmp_path / 'letters.db'}", reset=True)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _old_letters(pdfs: list[bytes], *, sha256=None) -> list[int]:
    """Letters as the release before kept them: the PDF in the row."""
    from tests.applicant_data import offered_award
    from tests.factories import StateFactory

    award = offered_award(StateFactory())
    award_id = award.id
    db.session.commit()
    db.session.remove()
    flask_migrate.downgrade(revision=BEFORE)
    ids = []
    with db.engine.begin() as conn:
        for n, pdf in enumerate(pdfs, 1):
            ids.append(
                conn.execute(
                    sa.text(
                        "INSERT INTO letters (award_id, version, kind, language, status, sha256,"
                        " pdf, snapshot, verification_code, issued_at)"
                        " VALUES (:award, :n, 'offer', 'en', 'valid', :sha, :pdf, '{}', :code,"
                        " CURRENT_TIMESTAMP) RETURNING id"
                    ),
                    {
                        "award": award_id,
                        "n": n,
                        "sha": sha256 or hashlib.sha256(pdf).hexdigest(),
                        "pdf": pdf,
                        "code": f"OLD{n}-0000",
                    },
                ).scalar_one()
            )
    return ids


def test_upgrade_moves_each_letter_pdf_to_storage_checked_by_sha256(scratch):
    pdfs = [b"%PDF-1.7 first letter", b"%PDF-1.7 second letter"]
    ids = _old_letters(pdfs)
    flask_migrate.upgrade()
    for letter_id, pdf in zip(ids, pdfs, strict=True):
        letter = db.session.get(Letter, letter_id)
        digest = hashlib.sha256(pdf).hexdigest()
        assert letter.file_key == f"letters/{digest}.pdf"
        assert file_store().stat(letter.file_key).sha256 == digest
        filename, data = letters.letter_pdf(letter_id)
        assert data == pdf and filename.endswith(f"-offer-v{letter.version}.pdf")
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("letters")}
    assert "pdf" not in columns


def test_upgrade_refuses_letter_whose_pdf_does_not_match_its_sha256(scratch):
    _old_letters([b"%PDF-1.7 altered"], sha256="0" * 64)
    with pytest.raises(SystemExit):  # flask_migrate logs the RuntimeError and exits
        flask_migrate.upgrade()
    db.session.rollback()
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("letters")}
    assert "pdf" in columns and "file_key" not in columns  # nothing changed


def test_downgrade_puts_each_pdf_back_in_its_row(scratch):
    ids = _old_letters([b"%PDF-1.7 round trip"])
    flask_migrate.upgrade()
    flask_migrate.downgrade(revision=BEFORE)
    with db.engine.connect() as conn:
        pdf = conn.scalar(sa.text("SELECT pdf FROM letters WHERE id = :id"), {"id": ids[0]})
    assert bytes(pdf) == b"%PDF-1.7 round trip"
    flask_migrate.upgrade()


def test_letter_whose_stored_file_changed_is_not_served(scratch):
    from tests.applicant_data import offered_award, stub_letter
    from tests.factories import StateFactory

    letter = stub_letter(offered_award(StateFactory()), "TAMP-0001", b"%PDF-1.7 issued")
    db.session.add(letter)
    db.session.commit()
    file_store().put(letter.file_key, b"%PDF-1.7 altered", "application/pdf")
    with pytest.raises(StorageError):
        letters.letter_pdf(letter.id)


def test_letter_file_rolls_back_with_its_row_on_database_backend(scratch):
    """The database backend writes a letter's file in the letter's own transaction: a
    letter that is not committed leaves no file behind (and none is ever missing)."""
    from tests.applicant_data import offered_award, stub_letter
    from tests.factories import StateFactory

    award = offered_award(StateFactory())
    db.session.commit()
    letter = stub_letter(award, "ROLL-0001", b"%PDF-1.7 never issued")
    db.session.add(letter)
    db.session.flush()
    key = letter.file_key
    db.session.rollback()
    assert file_store().stat(key) is None
