"""Generated data go into a fresh database only: its States loaded, and no meetings or
accounts yet, so that nothing real is ever mixed with them."""

from __future__ import annotations

from sqlalchemy import func, select

from sponsorship.core.errors import DomainError
from sponsorship.extensions import db
from sponsorship.models import Meeting, State, User


def has_states() -> bool:
    return bool(db.session.scalar(select(func.count(State.id))))


def holds_programme() -> bool:
    """True once the database holds meetings or accounts."""
    return bool(
        db.session.scalar(select(func.count(Meeting.id)))
        or db.session.scalar(select(func.count(User.id)))
    )


def require_fresh(refused: str) -> None:
    """Raise unless the States are loaded and nothing else is there; `refused` ends the
    message (what was not done)."""
    if not has_states():
        raise DomainError("load the States first: flask --app sponsorship states load")
    if holds_programme():
        raise DomainError(f"the database already holds meetings or accounts; {refused}")
