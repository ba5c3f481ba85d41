"""factory_boy factories bound to the test session."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import factory
from factory.alchemy import SQLAlchemyModelFactory

from sponsorship.accounts.services import hash_password
from sponsorship.extensions import db
from sponsorship.models import (
    Application,
    Award,
    Contribution,
    ContributionStatus,
    Delegate,
    Donor,
    Gender,
    Meeting,
    MeetingKind,
    MeetingSession,
    RegionalGroup,
    Role,
    State,
    Theme,
    User,
)

PASSWORD = "correct-horse-battery"  # noqa: S105
#: Hashed once: Argon2 is slow on purpose, tests need not pay it per user.
PASSWORD_HASH = hash_password(PASSWORD)


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class StateFactory(Base):
    class Meta:
        model = State

    # QMA-QZZ are user-assigned in ISO 3166: never a real State's code.
    iso3 = factory.Sequence(lambda n: f"Q{chr(77 + n // 26 % 14)}{chr(65 + n % 26)}")
    name = factory.Sequence(lambda n: f"Testland {n}")
    regional_group = RegionalGroup.AFRICAN
    convention_status = "state_party"
    article5_deadline = date(2028, 12, 31)


class DonorFactory(Base):
    class Meta:
        model = Donor

    name = factory.Sequence(lambda n: f"Donor {n}")
    short_name = factory.Sequence(lambda n: f"D{n}")


class ContributionFactory(Base):
    class Meta:
        model = Contribution

    donor = factory.SubFactory(DonorFactory)
    reference = factory.Sequence(lambda n: f"C-{n:05d}")
    status = ContributionStatus.RECEIVED
    currency = "CHF"
    amount = Decimal("10000.00")
    exchange_rate = Decimal("1")
    rate_date = date(2026, 1, 15)
    base_amount = factory.LazyAttribute(lambda c: c.amount * c.exchange_rate)
    committed = Decimal(0)
    spent = Decimal(0)
    pledged_on = date(2026, 1, 1)
    received_on = date(2026, 1, 15)


class MeetingFactory(Base):
    class Meta:
        model = Meeting

    kind = MeetingKind.INTERSESSIONAL
    title = factory.Sequence(lambda n: f"Test meeting {n}")
    venue = "Palais des Nations"
    city = "Geneva"
    starts_on = factory.LazyFunction(lambda: date.today() + timedelta(days=120))
    ends_on = factory.LazyAttribute(lambda m: m.starts_on + timedelta(days=3))
    applications_open_on = factory.LazyFunction(lambda: date.today() - timedelta(days=10))
    applications_close_on = factory.LazyFunction(lambda: date.today() + timedelta(days=30))
    window_open = True
    dsa_rate = Decimal("412.00")
    dsa_currency = "CHF"
    terminal_expenses = Decimal("200.00")
    delegate_cap = 2
    sessions = factory.LazyAttribute(
        lambda m: [
            MeetingSession(title="Article 5", theme=Theme.MINE_CLEARANCE, held_on=m.starts_on)
        ]
    )


class ApplicationFactory(Base):
    class Meta:
        model = Application

    meeting = factory.SubFactory(MeetingFactory)
    state = factory.SubFactory(StateFactory)
    consent_personal_data = True


class DelegateFactory(Base):
    class Meta:
        model = Delegate

    application = factory.SubFactory(ApplicationFactory)
    name = factory.Sequence(lambda n: f"Delegate {n}")
    gender = Gender.FEMALE
    function = "Director"
    organisation = "Mine Action Centre"
    email = factory.Sequence(lambda n: f"delegate{n}@example.org")
    nationality = "TCD"
    passport_number = "P1234567"
    passport_expiry = date(2030, 1, 1)
    departure_city = "N'Djamena"


class AwardFactory(Base):
    class Meta:
        model = Award

    delegate = factory.SubFactory(DelegateFactory)
    reference = factory.Sequence(lambda n: f"SP-TEST-{n:05d}")


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    name = factory.Sequence(lambda n: f"User {n}")
    role = Role.ADMINISTRATOR
    password_hash = PASSWORD_HASH

    class Params:
        applicant = factory.Trait(role=Role.APPLICANT, state=factory.SubFactory(StateFactory))
        donor_rep = factory.Trait(role=Role.DONOR, donor=factory.SubFactory(DonorFactory))


# Appended for the fund ledger (kept below so concurrent additions above merge cleanly).
from sponsorship.models import AwardCostLine, CostKind, CostStage  # noqa: E402


class AwardCostLineFactory(Base):
    """An estimate line; pass `stage=CostStage.ACTUAL` for a recorded cost."""

    class Meta:
        model = AwardCostLine

    award = factory.SubFactory(AwardFactory)
    kind = CostKind.AIRFARE
    stage = CostStage.ESTIMATE
    quantity = Decimal(1)
    unit_amount = Decimal("1000.00")
    amount = factory.LazyAttribute(lambda line: line.quantity * line.unit_amount)
