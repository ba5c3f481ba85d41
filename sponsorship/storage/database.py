"""The database backend: files as rows of `stored_files`, in the app's own database.

The default: the embedded SQLite setup and any PostgreSQL deployment need nothing else,
and every host that reaches the database reaches the files. Each write is its own
transaction beside the request's (storage/side.py). Fine for notes and reports (a few
MB each); a deployment with many large files points STORAGE_BACKEND at S3 instead.
"""

from __future__ import annotations

import sqlalchemy as sa

from sponsorship.models.base import utcnow
from sponsorship.models.files import StoredFile
from sponsorship.storage.base import FileInfo, NotStored, check_key, sha256
from sponsorship.storage.side import side_read, side_transaction

_TABLE = StoredFile.__table__
_INFO = (_TABLE.c.key, _TABLE.c.size, _TABLE.c.sha256, _TABLE.c.content_type, _TABLE.c.created_at)


class DatabaseStore:
    name = "database"

    def put(self, key: str, data: bytes, content_type: str) -> FileInfo:
        info = FileInfo(check_key(key), len(data), sha256(data), content_type, utcnow())
        row = {
            "key": key,
            "content": data,
            "size": info.size,
            "sha256": info.sha256,
            "content_type": content_type,
            "created_at": info.created_at,
        }
        with side_transaction() as connection:
            connection.execute(sa.delete(_TABLE).where(_TABLE.c.key == key))
            connection.execute(sa.insert(_TABLE).values(row))
        return info

    def put_with(self, connection: sa.Connection, key: str, data: bytes, content_type: str):
        """Store `data` on `connection`, in the transaction of the rows that name it: the
        file commits or rolls back with them. A file already under `key` is kept (the
        keys given here name their content, letters/<sha256>.pdf)."""
        info = FileInfo(check_key(key), len(data), sha256(data), content_type, utcnow())
        exists = connection.scalar(sa.select(_TABLE.c.key).where(_TABLE.c.key == key))
        if exists is None:
            connection.execute(
                sa.insert(_TABLE).values(
                    key=key,
                    content=data,
                    size=info.size,
                    sha256=info.sha256,
                    content_type=content_type,
                    created_at=info.created_at,
                )
            )
        return info

    def get(self, key: str) -> bytes:
        with side_read() as connection:
            data = connection.scalar(
                sa.select(_TABLE.c.content).where(_TABLE.c.key == check_key(key))
            )
        if data is None:
            raise NotStored(key)
        return bytes(data)

    def stat(self, key: str) -> FileInfo | None:
        with side_read() as connection:
            row = connection.execute(
                sa.select(*_INFO).where(_TABLE.c.key == check_key(key))
            ).first()
        return FileInfo(*row) if row else None

    def delete(self, key: str) -> None:
        with side_transaction() as connection:
            connection.execute(sa.delete(_TABLE).where(_TABLE.c.key == check_key(key)))

    def stat_many(self, keys: list[str]) -> dict[str, FileInfo]:
        """What is stored under each of `keys` (missing keys left out): one query per
        500 keys, for a purge of thousands of files."""
        found: dict[str, FileInfo] = {}
        with side_read() as connection:
            for start in range(0, len(keys), 500):
                chunk = [check_key(k) for k in keys[start : start + 500]]
                for row in connection.execute(sa.select(*_INFO).where(_TABLE.c.key.in_(chunk))):
                    found[row[0]] = FileInfo(*row)
        return found

    def delete_many(self, keys: list[str]) -> None:
        """Remove every key of `keys` in one transaction (absent ones are ignored)."""
        with side_transaction() as connection:
            for start in range(0, len(keys), 500):
                chunk = [check_key(k) for k in keys[start : start + 500]]
                connection.execute(sa.delete(_TABLE).where(_TABLE.c.key.in_(chunk)))

    def keys(self, prefix: str) -> list[str]:
        with side_read() as connection:
            found = connection.scalars(
                sa.select(_TABLE.c.key)
                .where(_TABLE.c.key.startswith(prefix, autoescape=True))
                .order_by(_TABLE.c.key)
            )
            return list(found)
