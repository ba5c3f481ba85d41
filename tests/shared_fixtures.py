"""Fixtures that more than one test module needs under the same name.

tests/conftest.py imports them, so every test module sees them; a module that defines
a fixture of the same name keeps its own.
"""

from __future__ import annotations

import pytest

from sponsorship.models import Role
from tests.applicant_data import offered_award
from tests.factories import AwardCostLineFactory, StateFactory, UserFactory

# --- Letters: an administrator and an offered, priced award to issue a letter for -----


@pytest.fixture
def admin(db):
    return UserFactory(role=Role.ADMINISTRATOR)


@pytest.fixture
def award(db):
    award = offered_award(StateFactory())
    AwardCostLineFactory(award=award)
    db.session.commit()
    return award


# --- The applicant's pages: a committed applicant, and a client signed in as them -----


@pytest.fixture
def applicant(db):
    user = UserFactory(applicant=True)
    db.session.commit()
    return user


@pytest.fixture
def signed_in(client, auth, applicant):
    auth.login(applicant.email)
    return client
