"""The password policy, and Argon2id parameters renewed at sign-in."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from sponsorship.accounts import services as accounts
from sponsorship.accounts.passwords import check_password_rules
from sponsorship.core.errors import DomainError
from tests.factories import UserFactory


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaaaa",  # long enough, all one letter
        "password1234",  # in every breach list
        "Password123!",  # a common one in disguise
        "qwertyuiop12",  # a keyboard walk
        "short pw",  # too short
    ],
)
def test_weak_password_is_refused(app, password):
    with app.test_request_context(), pytest.raises(DomainError):
        check_password_rules(password)


def test_password_containing_email_is_refused(app):
    with app.test_request_context(), pytest.raises(DomainError, match="e-mail"):
        check_password_rules("kettle-marguerite.dupont-9", email="marguerite.dupont@example.org")


def test_eleven_characters_are_refused_twelve_accepted(app):
    with app.test_request_context():
        with pytest.raises(DomainError, match="12"):
            check_password_rules("vq7#Lm2!xR9")
        check_password_rules("vq7#Lm2!xR9z")


def test_passphrase_is_accepted(app):
    with app.test_request_context():
        check_password_rules("plum orbit kettle saga", email="someone@example.org")


def test_login_rehashes_password_when_parameters_change(db):
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    user = UserFactory(email="old@example.org", password_hash=old.hash("plum orbit kettle saga"))
    db.session.commit()
    before = user.password_hash
    assert accounts.authenticate("old@example.org", "plum orbit kettle saga") == user
    assert user.password_hash != before
    assert not PasswordHasher().check_needs_rehash(user.password_hash)
    assert accounts.authenticate("old@example.org", "plum orbit kettle saga") == user
