"""What every storage backend answers to: put, get, stat, exists, delete, by key.

A key is a relative path of plain segments ("notes/<hex>.pdf"): no "..", no leading
slash, no characters a shell, URL or object store treats specially, so the same key
names the same file in every backend. A file is written whole or not at all, and
`put` records its size and sha256, which `get` can be checked against.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

_KEY = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}(?:/[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}){0,4}$")


class StorageError(Exception):
    """The storage did not answer, or refused the file."""


class NotStored(StorageError, KeyError):
    """No file under that key."""


@dataclass(frozen=True)
class FileInfo:
    key: str
    size: int
    sha256: str
    content_type: str
    created_at: datetime | None = None


def check_key(key: str) -> str:
    """`key` if it is a well-formed storage key; ValueError otherwise."""
    if not isinstance(key, str) or not _KEY.match(key) or len(key) > 255:
        raise ValueError(f"not a storage key: {key!r}")
    return key


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FileStore(Protocol):
    """One place for every file the app keeps, shared by every host that serves it."""

    #: "database" or "s3": named in logs and the health of the deployment notes.
    name: str

    def put(self, key: str, data: bytes, content_type: str) -> FileInfo:
        """Store `data` under `key`, replacing what was there."""

    def get(self, key: str) -> bytes:
        """The bytes stored under `key`; NotStored when there are none."""

    def stat(self, key: str) -> FileInfo | None:
        """What is stored under `key`, without its bytes; None when nothing is."""

    def delete(self, key: str) -> None:
        """Remove `key` (nothing happens when it is not there)."""

    def keys(self, prefix: str) -> list[str]:
        """Every key under `prefix` ("notes/"), sorted."""
