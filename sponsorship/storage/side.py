"""A connection beside the request's session, for writes that are not the app's data.

A stored file, or the record of a report being prepared, must be kept whatever the
request's own transaction does next (a note is stored before the form is saved, and a
failed save must not lose it), and must not change the data stamp that the caches go
by (models/data_version.py notices writes on the ORM session only). So these writes go
through their own short transaction on the engine, committed at once.

When the session is bound to one connection (the tests bind every session to theirs,
inside a transaction they roll back), the session's own connection is used and the
session committed: another connection would not see its data, and on SQLite would wait
on its lock, and the request's end would roll back what the session had not
committed. The statements run on the connection, not through the ORM, so the commit
renews no stamp. An in-memory SQLite database is a different database on every
connection, so it is treated the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from sponsorship.extensions import db


def _shared() -> bool:
    if isinstance(db.session.get_bind(), sa.Connection):
        return True
    url = db.engine.url
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


@contextmanager
def side_transaction() -> Iterator[sa.Connection]:
    """A connection in a transaction that commits when the block ends without error."""
    if _shared():
        yield db.session.connection()
        db.session.commit()
        return
    with db.engine.begin() as connection:
        yield connection


@contextmanager
def side_read() -> Iterator[sa.Connection]:
    """A connection to read what side transactions committed, now."""
    if _shared():
        yield db.session.connection()
        return
    with db.engine.connect() as connection:
        yield connection
