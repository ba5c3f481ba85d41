"""Accounts: password hashing (Argon2id), authentication, and the single-use links
(invitations and password resets) by which a user sets a password."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from sponsorship.accounts import mails, sessions
from sponsorship.accounts.passwords import check_password_rules
from sponsorship.core.audit import record
from sponsorship.core.errors import DomainError
from sponsorship.core.transaction import unit_of_work
from sponsorship.extensions import db
from sponsorship.models import Donor, Invitation, Role, State, User
from sponsorship.models.base import utcnow

#: argon2-cffi's defaults are Argon2id with RFC 9106's low-memory profile.
_hasher = PasswordHasher()
#: Verified against when the e-mail is unknown, so timing does not reveal accounts.
_DUMMY_HASH = _hasher.hash("no such user, constant time")
INVITE, RESET = "invite", "reset"
__all__ = ["check_password_rules"]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash or _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def normalize_email(email: str) -> str:
    return email.strip().lower()


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or not user.is_active:
        return None
    rehashed = _hasher.hash(password) if _hasher.check_needs_rehash(stored) else None
    # Hashing stays outside the unit: it would hold SQLite's write lock for its ~50 ms.
    with unit_of_work():
        if rehashed:
            user.password_hash = rehashed
        user.last_login_at = utcnow()
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    actor: User | None,
    *,
    email: str,
    name: str,
    role: Role,
    state: State | None = None,
    donor: Donor | None = None,
    password: str | None = None,
    locale: str | None = None,
) -> User:
    """Create an account (without committing); bind it to its State or donor."""
    email = normalize_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise DomainError(str(_l("An account with this e-mail address already exists.")))
    if role == Role.APPLICANT and state is None:
        raise DomainError(str(_l("An applicant account must be bound to a State.")))
    if role == Role.DONOR and donor is None:
        raise DomainError(str(_l("A donor account must be bound to a donor.")))
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        state=state if role == Role.APPLICANT else None,
        donor=donor if role == Role.DONOR else None,
        locale=locale,
    )
    if password is not None:
        # The strength policy is for passwords people choose (accounts/passwords.py);
        # accounts made by the system (the demo's) keep theirs.
        user.password_hash = hash_password(password)
    db.session.add(user)
    db.session.flush()
    record(actor, "user.create", user, after={"email": email, "role": role})
    return user


def issue_link(user: User, purpose: str, ttl: timedelta, actor: User | None) -> str:
    """A new single-use link of `purpose` for `user` (in the caller's unit); the links
    of that purpose issued before stop working. Returns the raw token."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.execute(
        update(Invitation)
        .where(
            Invitation.user_id == user.id,
            Invitation.purpose == purpose,
            Invitation.used_at.is_(None),
        )
        .values(used_at=now)
    )
    db.session.add(
        Invitation(
            user=user,
            token_hash=_token_hash(token),
            expires_at=now + ttl,
            created_by_id=actor.id if actor is not None else None,
            purpose=purpose,
        )
    )
    return token


def links_issued_since(user: User, purpose: str, since) -> int:
    return db.session.scalar(
        select(func.count(Invitation.id)).where(
            Invitation.user_id == user.id,
            Invitation.purpose == purpose,
            Invitation.created_at >= since,
        )
    )


def invite(actor: User, ttl: timedelta, **fields) -> tuple[User, str]:
    """Create a user without a password and a single-use link to set one.

    An address invited before but not yet signed up gets a new link (the old one stops
    working). Returns the user and the raw token; only its hash is stored.
    """
    with unit_of_work():
        email = normalize_email(fields["email"])
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None and user.password_hash is not None:
            raise DomainError(str(_l("An account with this e-mail address already exists.")))
        if user is None:
            user = create_user(actor, **fields)
            action = "user.invite"
        else:
            action = "user.reinvite"
        token = issue_link(user, INVITE, ttl, actor)
        hours = ttl.total_seconds() / 3600
        mails.invitation(user, token, hours, actor)
        record(actor, action, user, after={"expires_in_hours": hours})
    return user, token


def find_link(token: str, purpose: str = INVITE) -> Invitation | None:
    """The link for `token` if it can still be used for `purpose`, else None."""
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == _token_hash(token))
    )
    if (
        invitation is None
        or invitation.purpose != purpose
        or invitation.used_at is not None
        or invitation.expires_at < utcnow()
        or not invitation.user.active
    ):
        return None
    return invitation


def find_invitation(token: str) -> Invitation | None:
    return find_link(token, INVITE)


def use_link(token: str, password: str, purpose: str = INVITE) -> User:
    """Set the password through a single-use link; every session of the user ends."""
    if purpose == INVITE:
        invalid = str(_l("This invitation link is invalid, used or expired."))
    else:
        invalid = str(_l("This password reset link is invalid, used or expired."))
    link = find_link(token, purpose)
    if link is None:
        raise DomainError(invalid)
    check_password_rules(password, email=link.user.email, name=link.user.name)
    password_hash = hash_password(password)  # outside the unit: it takes ~50 ms
    with unit_of_work():
        invitation = find_link(token, purpose)
        if invitation is None:
            raise DomainError(invalid)
        # Conditional UPDATE: of two concurrent uses of one link, only one succeeds.
        claimed = db.session.execute(
            update(Invitation)
            .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
            .values(used_at=utcnow())
        ).rowcount
        if claimed != 1:
            raise DomainError(invalid)
        user = invitation.user
        user.password_hash = password_hash
        ended = sessions.end_all(user)
        action = "user.accept_invitation" if purpose == INVITE else "user.password_reset"
        record(user, action, user, after={"sessions_ended": ended})
    return user


def accept_invitation(token: str, password: str) -> User:
    return use_link(token, password, INVITE)


def set_language(user: User, locale: str) -> None:
    """Remember the user's language for their pages, mail and letters."""
    with unit_of_work():
        user.locale = locale
