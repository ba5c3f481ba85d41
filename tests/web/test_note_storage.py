"""Nomination notes in the shared storage: what an earlier release left on disk moves in
with `flask storage import-uploads` and downloads as before."""

from __future__ import annotations

import hashlib
import uuid

from sponsorship.storage import file_store
from tests.applicant_data import pdf_bytes
from tests.factories import ApplicationFactory, StateFactory, UserFactory


def test_note_on_disk_in_old_layout_downloads_after_import(app, db, client, auth, tmp_path):
    """The earlier code path wrote UPLOAD_DIR/notes/<32 hex>.pdf (mode 0600) and kept the
    name in `applications.note_path`; after the command the same URL serves the same bytes."""
    data = pdf_bytes()
    name = uuid.uuid4().hex + ".pdf"
    folder = tmp_path / "uploads" / "notes"
    folder.mkdir(parents=True, mode=0o700)
    (folder / name).write_bytes(data)
    (folder / name).chmod(0o600)
    state = StateFactory()
    application = ApplicationFactory(state=state, note_path=name, note_filename="Note – Tchad.pdf")
    admin = UserFactory()
    db.session.commit()
    auth.login(admin.email)
    url = f"/apply/applications/{application.id}/note"
    assert client.get(url).status_code == 404

    result = app.test_cli_runner().invoke(
        args=["storage", "import-uploads", "--upload-dir", str(tmp_path / "uploads")]
    )

    assert result.exit_code == 0, result.output
    assert "1 stored, 0 already stored" in result.output
    assert not (folder / name).exists()
    response = client.get(url)
    assert response.status_code == 200
    assert hashlib.sha256(response.data).hexdigest() == hashlib.sha256(data).hexdigest()
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "UTF-8''Note%20%E2%80%93%20Tchad.pdf" in response.headers["Content-Disposition"]
    assert file_store().stat(f"notes/{name}").sha256 == hashlib.sha256(data).hexdigest()
