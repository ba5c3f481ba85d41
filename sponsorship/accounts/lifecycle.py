"""An account's life: its owner's changes (name, language, password, sessions) and an
administrator's (deactivate, reactivate, move an applicant to another State, sign out
everywhere). Every administrator's change is in the audit trail."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from sponsorship.accounts import sessions
from sponsorship.accounts.passwords import check_password_rules
from sponsorship.accounts.services import hash_password, password_matches
from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError
from sponsorship.core.transaction import unit_of_work
from sponsorship.models import Role, State, User


def update_profile(user: User, *, name: str, locale: str) -> None:
    with unit_of_work():
        before = {"name": user.name, "locale": user.locale}
        user.name = name.strip()
        user.locale = locale
        record(
            user, "user.profile", user, before=before, after={"name": user.name, "locale": locale}
        )


def change_password(user: User, current: str, new: str) -> int:
    """A new password, given the current one; every other session ends. Returns how
    many ended."""
    if not password_matches(user, current):
        raise DomainError(str(_l("The current password is not correct.")))
    check_password_rules(new, email=user.email, name=user.name)
    password_hash = hash_password(new)
    with unit_of_work():
        user.password_hash = password_hash
        ended = sessions.end_all(user, keep_current=True)
        record(user, "user.password_change", user, after={"sessions_ended": ended})
    return ended


def end_session(user: User, session_id: int) -> bool:
    with unit_of_work():
        ended = sessions.end_one(user, session_id)
        if ended:
            record(user, "user.session_end", user, after={"session": session_id})
    return ended


def sign_out_everywhere(actor: User, user: User) -> int:
    with unit_of_work():
        ended = sessions.end_all(user)
        record(actor, "user.sign_out_everywhere", user, after={"sessions_ended": ended})
    return ended


def set_active(actor: User, user: User, active: bool) -> None:
    """Deactivate (sign-in refused, every session ends) or reactivate an account."""
    if actor.id == user.id and not active:
        raise DomainError(str(_l("You cannot deactivate your own account.")))
    with unit_of_work():
        before = {"active": user.active}
        user.active = active
        ended = 0 if active else sessions.end_all(user)
        action = "user.reactivate" if active else "user.deactivate"
        record(
            actor, action, user, before=before, after={"active": active, "sessions_ended": ended}
        )


def change_state(actor: User, user: User, state: State) -> None:
    """Move an applicant to speak for another State."""
    if user.role != Role.APPLICANT:
        raise DomainError(str(_l("Only an applicant account is bound to a State.")))
    with unit_of_work():
        before = {"state": user.state.iso3 if user.state else None}
        user.state = state
        record(actor, "user.change_state", user, before=before, after={"state": state.iso3})
