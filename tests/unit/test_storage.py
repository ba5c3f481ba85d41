"""The storage contract, run against each backend: the database, and S3 (moto's server).

Both backends must answer the same way, so a deployment can switch between them with
configuration only; `flask storage import-uploads` moves the notes an earlier release
kept on disk, checked by sha256.
"""

from __future__ import annotations

import hashlib
import os
import uuid

import pytest

from sponsorship.storage import NotStored, make_store
from sponsorship.storage.base import check_key
from sponsorship.storage.cli import import_uploads
from tests.unit.test_applications import pdf_bytes


@pytest.fixture(scope="module")
def s3_endpoint():
    """A real S3 API on loopback: moto's server, in a thread of this process."""
    server_module = pytest.importorskip("moto.server")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(params=["database", "s3"])
def store(request, db):
    if request.param == "database":
        return make_store({"STORAGE_BACKEND": "database"})
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = f"test-{uuid.uuid4().hex[:12]}"
    store = make_store(
        {
            "STORAGE_BACKEND": "s3",
            "STORAGE_S3_BUCKET": bucket,
            "STORAGE_S3_PREFIX": "site-a",
            "STORAGE_S3_ENDPOINT_URL": endpoint,
            "STORAGE_S3_REGION": "us-east-1",
        }
    )
    store.client.create_bucket(Bucket=bucket)
    return store


def test_put_then_get_returns_same_bytes_and_digest(store):
    data = os.urandom(100_000)
    info = store.put("notes/a.pdf", data, "application/pdf")
    assert info.size == len(data)
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert store.get("notes/a.pdf") == data
    stat = store.stat("notes/a.pdf")
    assert (stat.key, stat.size, stat.sha256, stat.content_type) == (
        "notes/a.pdf",
        len(data),
        info.sha256,
        "application/pdf",
    )


def test_get_of_missing_key_raises_not_stored(store):
    with pytest.raises(NotStored):
        store.get("notes/missing.pdf")
    assert store.stat("notes/missing.pdf") is None


def test_put_again_replaces_the_file(store):
    store.put("exports/1/report.csv", b"old", "text/csv")
    store.put("exports/1/report.csv", b"new", "text/csv")
    assert store.get("exports/1/report.csv") == b"new"
    assert store.stat("exports/1/report.csv").size == 3


def test_delete_removes_and_tolerates_missing(store):
    store.put("notes/gone.pdf", b"x", "application/pdf")
    store.delete("notes/gone.pdf")
    store.delete("notes/gone.pdf")
    assert store.stat("notes/gone.pdf") is None


def test_keys_lists_only_the_prefix(store):
    for key in ("notes/b.pdf", "notes/a.pdf", "exports/1/x.csv", "notes_other/c.pdf"):
        store.put(key, b"1", "application/octet-stream")
    assert store.keys("notes/") == ["notes/a.pdf", "notes/b.pdf"]


@pytest.mark.parametrize(
    "key", ["../etc/passwd", "/abs.pdf", "notes/../x", "notes//x", "a b.pdf", "", "notes/.x"]
)
def test_malformed_key_is_refused(store, key):
    with pytest.raises(ValueError):
        check_key(key)
    with pytest.raises(ValueError):
        store.put(key, b"1", "text/plain")


def test_import_uploads_moves_old_layout_files_verified(store, tmp_path):
    """Files written by the earlier code path (UPLOAD_DIR/notes/<hex>.pdf) move in."""
    notes = tmp_path / "notes"
    notes.mkdir(mode=0o700)
    names = [uuid.uuid4().hex + ".pdf" for _ in range(3)]
    contents = {name: pdf_bytes() + os.urandom(8) for name in names}
    for name, data in contents.items():
        (notes / name).write_bytes(data)
    (notes / "README.txt").write_text("not a note")
    result = import_uploads(store, tmp_path)
    assert sorted(result.stored) == sorted(names)
    assert result.skipped == ["README.txt"] and not result.mismatched
    for name, data in contents.items():
        assert store.get(f"notes/{name}") == data
        assert not (notes / name).exists()
    assert (notes / "README.txt").exists()


def test_import_uploads_again_stores_nothing_twice(store, tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    name = uuid.uuid4().hex + ".pdf"
    (notes / name).write_bytes(b"%PDF-1.4 same")
    store.put(f"notes/{name}", b"%PDF-1.4 same", "application/pdf")
    result = import_uploads(store, tmp_path, keep=True)
    assert result.already == [name] and not result.stored
    assert (notes / name).exists()


def test_import_uploads_leaves_file_when_store_reads_back_different(store, tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    name = uuid.uuid4().hex + ".pdf"
    (notes / name).write_bytes(b"%PDF-1.4 original")

    class Corrupting:
        def __getattr__(self, attr):
            return getattr(store, attr)

        def get(self, key):
            return store.get(key) + b"!"

    result = import_uploads(Corrupting(), tmp_path)
    assert result.mismatched == [name]
    assert (notes / name).read_bytes() == b"%PDF-1.4 original"
