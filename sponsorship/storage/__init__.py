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
    "check_key",
    "file_store",
    "init_app",
    "make_store",
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
