"""Files in shared storage: one interface, the database (default) or S3 behind it.

Every file the app keeps (nomination notes, prepared reports; letters and receipts can
follow) goes through `file_store()`, so every host serving the app reads what any other
stored. The backend is configuration only: STORAGE_BACKEND=database (default: nothing
else to run) or s3 (see storage/s3.py). Keys are plain relative paths (storage/base.py).

    from sponsorship.storage import file_store
    info = file_store().put("notes/ab12....pdf", data, "application/pdf")
    data = file_store().get(info.key)

`flask storage import-uploads` moves the files an earlier release wrote to a host's
disk into the store, checking each by sha256 (storage/cli.py).
"""

from __future__ import annotations

from flask import Flask, current_app

from sponsorship.storage.base import FileInfo, FileStore, NotStored, StorageError, check_key
from sponsorship.storage.database import DatabaseStore

__all__ = [
    "FileInfo",
    "FileStore",
    "NotStored",
    "StorageError",
    "DatabaseStore",
    "check_key",
    "file_store",
    "init_app",
    "make_store",
    "put_with_data",
]

EXTENSION = "sponsorship.storage"


def make_store(config) -> FileStore:
    """The backend `config` names."""
    backend = (config.get("STORAGE_BACKEND") or "database").lower()
    if backend == "database":
        return DatabaseStore()
    if backend == "s3":
        from sponsorship.storage.s3 import S3Store

        return S3Store(
            config.get("STORAGE_S3_BUCKET", ""),
            prefix=config.get("STORAGE_S3_PREFIX", ""),
            endpoint_url=config.get("STORAGE_S3_ENDPOINT_URL") or None,
            region=config.get("STORAGE_S3_REGION") or None,
        )
    raise StorageError(f"STORAGE_BACKEND must be 'database' or 's3', not {backend!r}")


def init_app(app: Flask) -> None:
    from sponsorship.storage.cli import storage_cli

    app.extensions[EXTENSION] = make_store(app.config)
    app.cli.add_command(storage_cli)


def file_store() -> FileStore:
    return current_app.extensions[EXTENSION]


def put_with_data(key: str, data: bytes, content_type: str) -> FileInfo:
    """Store a file that belongs to the rows being written now (an issued letter).

    With the database backend it is written in the session's own transaction, so the
    rows and their file commit, or roll back, together; and a bulk run that holds
    SQLite's write lock does not wait on itself. With S3 it is stored at once, before
    the rows commit: a rollback leaves an unreferenced object, never a row without
    its file. Use a key that names the content, so a retry stores the same thing.
    """
    store = file_store()
    if isinstance(store, DatabaseStore):
        from sponsorship.extensions import db

        return store.put_with(db.session.connection(), key, data, content_type)
    return store.put(key, data, content_type)
