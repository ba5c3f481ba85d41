"""Argon2id hashes, authentication and single-use, expiring invitations."""

from datetime import timedelta

import pytest

from sponsorship.accounts import services as accounts
from sponsorship.core.errors import DomainError
from sponsorship.models import Role
from sponsorship.models.base import utcnow
from tests.factories import PASSWORD, StateFactory, UserFactory


def test_hash_password_uses_argon2id():
    assert accounts.hash_password("a long password").startswith("$argon2id$")


def test_authenticate_right_password_returns_user(db):
    user = UserFactory(email="someone@example.org")
    assert accounts.authenticate("  SomeOne@Example.org ", PASSWORD) == user
    assert user.last_login_at is not None


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("someone@example.org", "wrong-password"),
        ("nobody@example.org", PASSWORD),
    ],
)
def test_authenticate_wrong_credentials_returns_none(db, email, password):
    UserFactory(email="someone@example.org")
    assert accounts.authenticate(email, password) is None


def test_authenticate_disabled_user_returns_none(db):
    UserFactory(email="gone@example.org", active=False)
    assert accounts.authenticate("gone@example.org", PASSWORD) is None


def test_create_applicant_without_state_is_refused(db):
    with pytest.raises(DomainError):
        accounts.create_user(None, email="a@example.org", name="A", role=Role.APPLICANT)


def test_create_duplicate_email_is_refused(db):
    UserFactory(email="dup@example.org")
    with pytest.raises(DomainError):
        accounts.create_user(None, email="DUP@example.org", name="B", role=Role.ADMINISTRATOR)


def test_accept_invitation_sets_password_once(db):
    admin = UserFactory()
    user, token = accounts.invite(
        admin,
        timedelta(hours=1),
        email="new@example.org",
        name="New",
        role=Role.APPLICANT,
        state=StateFactory(),
    )
    assert user.password_hash is None and not user.is_active
    accounts.accept_invitation(token, "a brand new password")
    assert accounts.authenticate("new@example.org", "a brand new password") == user
    with pytest.raises(DomainError):
        accounts.accept_invitation(token, "another password here")


def test_accept_expired_invitation_is_refused(db):
    admin = UserFactory()
    user, token = accounts.invite(
        admin, timedelta(hours=1), email="late@example.org", name="Late", role=Role.ADMINISTRATOR
    )
    user_invitation = accounts.find_invitation(token)
    user_invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(DomainError):
        accounts.accept_invitation(token, "a brand new password")


def test_accept_invitation_short_password_is_refused(db):
    admin = UserFactory()
    _user, token = accounts.invite(
        admin, timedelta(hours=1), email="s@example.org", name="S", role=Role.ADMINISTRATOR
    )
    with pytest.raises(DomainError):
        accounts.accept_invitation(token, "short")
    assert accounts.find_invitation(token) is not None
