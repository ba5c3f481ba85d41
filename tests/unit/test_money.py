"""Money is exact on every backend and the database refuses an over-commitment."""

from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from sponsorship.models import Contribution
from sponsorship.models.base import ScaledDecimal
from tests.factories import ContributionFactory


def test_store_0_105_returns_exactly_0_105(db):
    c = ContributionFactory(amount=Decimal("0.105"), exchange_rate=Decimal("1"))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Contribution, c.id).amount == Decimal("0.105")


def test_sum_over_a_million_francs_is_exact(db):
    donor = ContributionFactory().donor
    amounts = [
        Decimal("333333.3333"),
        Decimal("333333.3333"),
        Decimal("333333.3334"),
        Decimal("0.1"),
        Decimal("0.2"),
    ]
    for amount in amounts:
        ContributionFactory(donor=donor, amount=amount)
    db.session.flush()
    total = db.session.scalar(
        select(func.sum(Contribution.amount)).where(Contribution.donor_id == donor.id)
    )
    assert total == Decimal("10000.00") + Decimal("1000000.3")
    assert isinstance(total, Decimal)


@settings(max_examples=50, deadline=None)
@given(st.decimals(min_value=0, max_value=Decimal("9e13"), places=4, allow_nan=False))
def test_scaled_decimal_roundtrip_is_identity(value):
    kind = ScaledDecimal(4)
    assert kind.process_result_value(kind.process_bind_param(value, None), None) == value


def test_bind_float_is_refused():
    with pytest.raises(TypeError):
        ScaledDecimal(4).process_bind_param(0.1, None)


def test_bind_too_many_decimals_is_refused():
    with pytest.raises(ValueError, match="decimal places"):
        ScaledDecimal(4).process_bind_param(Decimal("0.00001"), None)


def test_overcommit_is_refused_by_the_database(db):
    c = ContributionFactory(amount=Decimal("1000"))
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(
            sa.update(Contribution)
            .where(Contribution.id == c.id)
            .values(committed=Decimal("1000.0001"))
        )
        db.session.flush()
    db.session.rollback()


def test_pledged_money_cannot_be_committed(db):
    c = ContributionFactory(
        status="pledged", exchange_rate=None, rate_date=None, base_amount=None, received_on=None
    )
    db.session.commit()
    with pytest.raises(IntegrityError):
        c.committed = Decimal("1")
        db.session.flush()
    db.session.rollback()


def test_received_without_rate_is_refused(db):
    with pytest.raises(IntegrityError):
        ContributionFactory(exchange_rate=None, base_amount=Decimal("5"))
    db.session.rollback()
