"""The signed-in user of each request, from a copy of their row while nothing is written.

Every signed-in request loads its user, and a page served again from the page cache
(web/page_cache.py) needs nothing else from the database but the data stamp. Loading
the user through the session cost most of serving such a page; instead each process
keeps a copy of the users' rows, each usable only at the data stamp it was read at.
The stamp changes with every commit that writes (a new role, a deactivation or a new
password included), so a copy is never older than the last commit: the request reads
the stamp alone, in one round trip (models/data_version.py, StampReader), and gets a
fresh instance made from the copy, attached to its session without SQL.

The first request of a user after a write reads the stamp and then the row with the
stamp again, through the session as before: one statement more, once per write.
"""

from __future__ import annotations

from flask import Flask, current_app
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, make_transient_to_detached

from sponsorship.accounts import sessions
from sponsorship.core.cache import StampedCache
from sponsorship.extensions import db
from sponsorship.models import data_version
from sponsorship.models.users import User, UserSession

#: Built once: the statement runs on the first request after a write. It also reads
#: the user's session rows (accounts/sessions.py), one result row each, so that the
#: session check costs no statement of its own.
_USER_AND_STAMP = (
    select(User, data_version.stamp_column(), *sessions.ALL_OF_USER.selected_columns)
    .outerjoin(UserSession, UserSession.user_id == User.id)
    .where(User.id == bindparam("user_id"))
)
_COLUMNS = tuple(attr.key for attr in User.__mapper__.column_attrs)


class SignedInUsers:
    """Detached copies of users, by id, each with the stamp it was read at (core/cache.py)."""

    def __init__(self, size: int, reader: data_version.StampReader | None) -> None:
        self.reader = reader
        self._copies: StampedCache[User] = StampedCache(size)

    def get(self, session: Session, user_id: int, stamp: str) -> User | None:
        """The user for this session, if the copy was read at `stamp`."""
        kept = self._copies.get(user_id, stamp)
        if kept is None:
            return None
        # merge() without load copies the kept state into a new instance of this
        # session, without SQL and without touching the copy other threads share.
        return session.merge(kept, load=False)

    def keep(self, user_id: int, stamp: str, user: User) -> None:
        copy = User(**{key: getattr(user, key) for key in _COLUMNS})
        make_transient_to_detached(copy)
        self._copies.put(user_id, stamp, copy)

    def __len__(self) -> int:
        return len(self._copies)


def init_signed_in(app: Flask) -> None:
    size = app.config.get("USER_CACHE_ENTRIES", 0)
    with app.app_context():
        engine = db.engine
    users = None
    # Without a reader copies could never be checked: keep none.
    if size > 0 and data_version.StampReader.usable(engine):
        recycle = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("pool_recycle", -1)
        users = SignedInUsers(size, data_version.StampReader(engine, recycle))
    app.extensions["signed_in_users"] = users


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the user, while their account and this browser's
    session are live (accounts/sessions.py)."""
    user, stamp, seen = _user_and_stamp(user_id)
    if user is None or not user.is_active:
        return None
    if not sessions.check(db.session, user.id, stamp, seen):
        return None
    return user


def _user_and_stamp(user_id: str) -> tuple[User | None, str | None, sessions.Sessions | None]:
    try:
        uid = int(user_id)
    except ValueError:
        return None, None, None
    session = db.session
    users: SignedInUsers | None = current_app.extensions.get("signed_in_users")
    if users is not None:
        stamp = users.reader.read(session)
        user = users.get(session, uid, stamp) if stamp is not None else None
        if user is not None:
            # The page cache and the programme totals key on it: no second read.
            data_version.remember(session, stamp)
            return user, stamp, None
    # The stamp comes in the same statement as the user, before anything the page
    # reads, so that a page served again from the page cache costs this one query.
    rows = session.execute(_USER_AND_STAMP, {"user_id": uid}).all()
    if not rows:
        return None, None, None
    user, stamp = rows[0][0], rows[0][1]
    seen = sessions.rows_to_sessions(row[2:] for row in rows)
    data_version.remember(session, stamp)
    if users is not None and stamp is not None:
        users.keep(uid, stamp, user)
    return user, stamp, seen
