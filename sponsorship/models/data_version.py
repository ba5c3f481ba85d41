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


#: Plain SQL: read on every page served from the cache, so it skips the ORM.
_CURRENT = sa.text("SELECT stamp FROM data_version WHERE id = 1")  # ROW_ID


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


def remember(session: Session, stamp: str | None) -> None:
    """Keep a stamp read with other data (the signed-in user) for the transaction."""
    if stamp is not None:
        session.info[_READ] = stamp


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
