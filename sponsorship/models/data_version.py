"""The data version: one row whose stamp changes in every transaction that writes.

A reader that has seen the same stamp knows that nothing was committed in between,
so whatever it built from the data then (a rendered page, an aggregate) is still
exact. The stamp is written by the writing transaction itself, just before it
commits, so the new data and the new stamp become visible together.

The stamp is random rather than a counter: after a restore from backup, or a test's
rolled-back transaction, a counter would come back to values that already named
other data, while a fresh random stamp never does.

Writes are noticed on the ORM session (flushes and INSERT/UPDATE/DELETE statements,
bulk ones included). Work done on a bare engine connection, outside any session, is
not seen: migrations run with the app stopped, and `flask db-restore` renews the stamp
itself when it is done.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from sponsorship.models.base import Base

ROW_ID = 1
_WROTE = "data_version_wrote"
_READ = "data_version_read"
_BUMP = "data_version_bump"


class DataVersion(Base):
    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    stamp: Mapped[str] = mapped_column(sa.String(32))


#: Plain SQL: read on every signed-in request, so it skips the ORM.
_CURRENT_SQL = "SELECT stamp FROM data_version WHERE id = 1"  # ROW_ID
_CURRENT = sa.text(_CURRENT_SQL)


def new_stamp() -> str:
    return secrets.token_hex(16)


def stamp_column() -> sa.ScalarSelect:
    """The stamp as a column, to read it in the same statement as something else."""
    row = sa.select(DataVersion.stamp).where(DataVersion.id == ROW_ID)
    return row.scalar_subquery().label("stamp")


def current(session: Session) -> str | None:
    """The committed stamp as this transaction sees it.

    Read it before the data it guards: on PostgreSQL (READ COMMITTED) a later
    statement may see a newer commit, so what is built is at least as new as the
    stamp, never older. On SQLite the whole transaction reads one snapshot. A stamp
    already read in this transaction (see `remember`) is reused.
    """
    stamp = session.info.get(_READ)
    if stamp is None:
        stamp = session.connection().scalar(_CURRENT)
        remember(session, stamp)
    return stamp


def current_if_unwritten(session: Session) -> str | None:
    """The committed stamp while this transaction has written nothing, else None.

    What a transaction builds after writing (flushed or still pending) holds changes no
    other reader sees, and may yet be rolled back: it is not the data at the committed
    stamp, and a cache must neither keep it under that stamp nor serve it a value that
    lacks those changes.
    """
    if session.info.get(_WROTE) or session.new or session.dirty or session.deleted:
        return None
    return current(session)


class StampReader:
    """Reads the committed stamp in one round trip, before a request opens its session.

    A signed-in request that is served a kept page needs nothing from the database but
    this stamp (web/signed_in.py). Through the app's own pool it cost four round trips
    on PostgreSQL (the pre-ping and its BEGIN, the query, the ROLLBACK) and the ORM's
    bookkeeping; here it is one query on a pooled connection in autocommit, with no
    pre-ping: a dead connection fails the read, which then answers None and the caller
    takes the ordinary path through the session (and its error handling).

    The stamp read is of the last commit; whatever the request then reads in its own
    transaction is at least as new, so what it builds is never older than the stamp.
    A session bound to one connection (the tests bind every session to theirs) is read
    there instead: another connection would not see that connection's transaction.
    """

    def __init__(self, engine: sa.Engine, pool_recycle: int = -1) -> None:
        options: dict = {"isolation_level": "AUTOCOMMIT", "pool_recycle": pool_recycle}
        if engine.dialect.name == "sqlite":
            options["connect_args"] = {"timeout": 30}  # as the app's busy_timeout
        self._engine = sa.create_engine(engine.url, **options)
        self._errors: tuple[type[BaseException], ...] = (self._engine.dialect.loaded_dbapi.Error,)

    @staticmethod
    def usable(engine: sa.Engine) -> bool:
        # An in-memory SQLite database is a different one on every connection.
        in_memory = engine.url.database in (None, "", ":memory:")
        return not (engine.dialect.name == "sqlite" and in_memory)

    def read(self, session: Session) -> str | None:
        """The committed stamp, or None when the database did not answer."""
        bind = session.get_bind()
        if isinstance(bind, sa.Connection):
            return bind.exec_driver_sql(_CURRENT_SQL).scalar()
        try:
            connection = self._engine.raw_connection()
        except (sa.exc.DBAPIError, *self._errors):  # the pool may pass the driver's on
            return None
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(_CURRENT_SQL)
                row = cursor.fetchone()
            finally:
                cursor.close()
        except self._errors:
            connection.invalidate()
            return None
        finally:
            connection.close()
        return row[0] if row else None

    def dispose(self) -> None:
        self._engine.dispose()


def remember(session: Session, stamp: str | None) -> None:
    """Keep a stamp read with other data (the signed-in user) for the transaction."""
    if stamp is not None:
        session.info[_READ] = stamp


#: Execution options of a write the stamp must not notice: bookkeeping no cached page
#: or aggregate shows (a signed-in browser's "last seen" time).
UNSTAMPED = {_BUMP: True}


def renew(session: Session) -> None:
    """Give the data a new stamp, for changes made outside any session (a restore)."""
    session.execute(
        sa.update(DataVersion).where(DataVersion.id == ROW_ID).values(stamp=new_stamp()),
        execution_options={_BUMP: True},
    )


def _noticed_write(session: Session, *_args) -> None:
    session.info[_WROTE] = True


def _on_execute(state) -> None:
    if state.execution_options.get(_BUMP):
        return
    if (
        state.is_insert
        or state.is_update
        or state.is_delete
        or isinstance(state.statement, sa.TextClause)
        and not state.statement.text.lstrip()[:6]
        .upper()
        .startswith(("SELECT", "WITH", "PRAGMA", "SHOW"))
    ):
        state.session.info[_WROTE] = True


def _before_commit(session: Session) -> None:
    # A savepoint's writes are stamped by the commit of the transaction around it.
    if session.in_nested_transaction():
        return
    # Commit flushes after this hook runs; flush now so pending changes count.
    session.flush()
    if session.info.pop(_WROTE, False):
        renew(session)


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WROTE, None)
        session.info.pop(_READ, None)


def track_writes(session_class: type[Session]) -> None:
    """Stamp every committing transaction of `session_class` that wrote (idempotent)."""
    hooks = (
        ("after_flush", _noticed_write),
        ("do_orm_execute", _on_execute),
        ("before_commit", _before_commit),
        ("after_transaction_end", _after_transaction_end),
    )
    for name, fn in hooks:
        if not event.contains(session_class, name, fn):
            event.listen(session_class, name, fn)
