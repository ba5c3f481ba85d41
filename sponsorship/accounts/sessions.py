"""Server-side sessions: one row per signed-in browser, checked on every request.

Flask's session is a signed cookie: on its own, a copy of it works until it expires,
whatever the user does. So the cookie also carries a random key, and a request is
signed in only while the row with that key's hash exists and has neither been idle
longer than SESSION_IDLE_MINUTES nor lived longer than SESSION_MAX_HOURS. Ending a
session deletes its row: every process and host sees that at their next request, since
they share the database.

Why rows in the database rather than a per-user generation number: the account page
lists each browser (device, last seen) and ends any one of them, which needs a record
per session anyway, and the database is the one store every deployment has (Redis is
optional). Checking costs no extra query while nothing is written: the rows are kept
per process with the data stamp (core/cache.py), and ending a session is a write that
changes the stamp. "Last seen" is written at most once a minute per session, and
without changing the stamp (models/data_version.py, UNSTAMPED), so that it does not
empty every page cache; a kept row whose times look expired is read again before the
session is refused.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flask import Flask, current_app, g, request, session
from sqlalchemy import delete, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from sponsorship.core.cache import StampedCache
from sponsorship.extensions import db
from sponsorship.models import User, UserSession, data_version
from sponsorship.models.base import utcnow

#: The key of the session cookie that holds this browser's random session key.
COOKIE_KEY = "_sk"
#: "Last seen" is written at most this often per session.
TOUCH_EVERY = timedelta(seconds=60)
_EXTENSION = "sponsorship.user_sessions"


@dataclass(frozen=True)
class Seen:
    """What the check needs of a session row."""

    id: int
    user_id: int
    created_at: datetime
    last_seen_at: datetime


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def idle_limit() -> timedelta:
    return timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


def absolute_limit() -> timedelta:
    return timedelta(hours=current_app.config["SESSION_MAX_HOURS"])


def _expired(seen: Seen | UserSession, now: datetime) -> bool:
    return now - seen.last_seen_at > idle_limit() or now - seen.created_at > absolute_limit()


def start(user: User) -> UserSession:
    """A new session for `user` in this browser (inside the caller's unit of work)."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    _delete_expired(user, now)
    row = UserSession(
        user_id=user.id,
        key_hash=_hash(key),
        created_at=now,
        last_seen_at=now,
        user_agent=(request.user_agent.string or "")[:200],
        ip_address=(request.remote_addr or "")[:45],
    )
    db.session.add(row)
    db.session.flush()
    session[COOKIE_KEY] = key
    return row


def _delete_expired(user: User, now: datetime) -> None:
    db.session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id,
            (UserSession.last_seen_at < now - idle_limit())
            | (UserSession.created_at < now - absolute_limit()),
        )
    )


def end_all(user: User, *, keep_current: bool = False) -> int:
    """End every session of `user` (but this browser's, if `keep_current`)."""
    statement = delete(UserSession).where(UserSession.user_id == user.id)
    current = current_id()
    if keep_current and current is not None:
        statement = statement.where(UserSession.id != current)
    return db.session.execute(statement).rowcount


def end_one(user: User, session_id: int) -> bool:
    """End one of `user`'s sessions; False when it is not theirs or already ended."""
    statement = delete(UserSession).where(
        UserSession.user_id == user.id, UserSession.id == session_id
    )
    return db.session.execute(statement).rowcount == 1


def active(user: User) -> list[UserSession]:
    """`user`'s sessions that still work, most recently seen first."""
    now = utcnow()
    rows = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id)
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    )
    return [row for row in rows if not _expired(row, now)]


def current_id() -> int | None:
    """The id of this request's session row, once the check has passed."""
    return g.get("user_session_id")


def request_key_hash() -> str | None:
    """The hash of the session key this request's cookie carries, if any."""
    key = session.get(COOKIE_KEY)
    return _hash(key) if isinstance(key, str) and key else None


#: A user's live session rows, by key hash: what the check reads, kept per stamp.
Sessions = dict[str, Seen]
ALL_OF_USER = select(
    UserSession.key_hash,
    UserSession.id,
    UserSession.user_id,
    UserSession.created_at,
    UserSession.last_seen_at,
)


def rows_to_sessions(rows) -> Sessions:
    """(key_hash, id, user_id, created_at, last_seen_at) rows as `Sessions`."""
    return {row[0]: Seen(*row[1:]) for row in rows if row[0] is not None}


def _read(db_session: Session, user_id: int) -> Sessions:
    return rows_to_sessions(
        db_session.execute(ALL_OF_USER.where(UserSession.user_id == user_id)).all()
    )


def _touch(db_session: Session, seen: Seen, now: datetime) -> None:
    """Write "last seen" in a transaction of its own; a failure only skips it."""
    try:
        db_session.commit()
        db_session.connection(execution_options={"sqlite_begin": "BEGIN IMMEDIATE"})
        db_session.execute(
            update(UserSession).where(UserSession.id == seen.id).values(last_seen_at=now),
            execution_options=data_version.UNSTAMPED,
        )
        db_session.commit()
    except OperationalError:
        db_session.rollback()


def check(
    db_session: Session, user_id: int, stamp: str | None, prefetched: Sessions | None = None
) -> bool:
    """Whether this request's cookie names a live session of `user_id`.

    All the user's rows are read and kept together, so that a user signed in on two
    browsers does not cost a read per browser after each write. `prefetched` are the
    rows when the caller read them along with the user.
    """
    key_hash = request_key_hash()
    if key_hash is None:
        return False
    kept: StampedCache[Sessions] | None = current_app.extensions.get(_EXTENSION)
    now = utcnow()
    rows = prefetched
    if rows is None and kept is not None:
        rows = kept.get(user_id, stamp)
    seen = rows.get(key_hash) if rows is not None else None
    if rows is None or (seen is not None and _expired(seen, now)):
        # Kept times may lag: "last seen" is written without a new stamp.
        rows = _read(db_session, user_id)
        seen = rows.get(key_hash)
    if seen is None or _expired(seen, now):
        return False
    if now - seen.last_seen_at > TOUCH_EVERY:
        _touch(db_session, seen, now)
        data_version.remember(db_session, stamp)
        seen = replace(seen, last_seen_at=now)
        rows = {**rows, key_hash: seen}
    if kept is not None:
        kept.put(user_id, stamp, rows)
    g.user_session_id = seen.id
    return True


def init_sessions(app: Flask) -> None:
    size = app.config.get("USER_CACHE_ENTRIES", 0)
    app.extensions[_EXTENSION] = StampedCache(size) if size > 0 else None
