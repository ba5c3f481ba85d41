"""Money is exact on every backend and the database refuses an over-commitment."""

from dataclasses import dataclass
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from sponsorship.core import money
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


# --- The money module: the one rounding rule, totals ------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "rounded"),
    [
        ("0.125", "CHF", "0.12"),  # half to even goes down...
        ("0.135", "CHF", "0.14"),  # ...or up, to the even centime
        ("0.175", "CHF", "0.18"),
        ("1.005", "CHF", "1.00"),
        ("-0.125", "CHF", "-0.12"),
        ("0.1251", "CHF", "0.13"),  # past the half: up
        ("3", "CHF", "3.00"),
        ("0.5", "JPY", "0"),
        ("1.5", "JPY", "2"),
        ("2.5", "JPY", "2"),
        ("151.5", "JPY", "152"),
        ("151.4999", "JPY", "151"),
    ],
)
def test_quantize_rounds_half_to_even_to_the_currencys_minor_unit(amount, currency, rounded):
    result = money.quantize(Decimal(amount), currency)
    assert result == Decimal(rounded)
    assert str(result) == rounded  # to the minor unit: 3.00, not 3


def test_minor_unit_and_places():
    assert money.minor_unit("CHF") == Decimal("0.01")
    assert money.minor_unit("JPY") == Decimal("1")
    assert (money.decimal_places("CHF"), money.decimal_places("JPY")) == (2, 0)


def test_quantize_defaults_to_the_base_currency(app):
    with app.app_context():
        assert app.config["BASE_CURRENCY"] == "CHF"
        assert money.quantize(Decimal("0.125")) == Decimal("0.12")


def test_quantize_is_exact_for_large_amounts():
    # 28 digits is Decimal's default precision; money must not depend on it.
    assert money.quantize(Decimal("12345678901234567890123456.785"), "CHF") == Decimal(
        "12345678901234567890123456.78"
    )


@pytest.mark.parametrize(
    ("amount", "rate", "base"),
    [
        ("500000.00", "0.0792", "39600.00"),
        ("0.25", "0.5", "0.12"),  # 0.125: half to even goes down
        ("0.35", "0.5", "0.18"),  # 0.175: half to even goes up
        ("1000.00", "0.93815", "938.15"),
        ("3.3333", "1", "3.33"),
    ],
)
def test_to_base_rounds_half_even_to_the_centime(app, amount, rate, base):
    with app.app_context():
        assert money.to_base(Decimal(amount), Decimal(rate)) == Decimal(base)


def test_to_base_rounds_to_the_base_currencys_own_unit(app):
    with app.app_context():
        assert money.to_base(Decimal("1000"), Decimal("151.5"), "JPY") == Decimal("151500")
        assert money.to_base(Decimal("10"), Decimal("0.05"), "JPY") == Decimal("0")  # 0.5 to even


def test_to_base_multiplies_exactly_before_rounding():
    # The product is 10000030500100000.405000000001: 29 digits, one more than Decimal's
    # default context keeps, and without the last one it would round down to ...0.40.
    amount, rate = Decimal("10000030500000.0001"), Decimal("1000.00000001")
    assert money.to_base(amount, rate, "CHF") == Decimal("10000030500100000.41")


@dataclass
class _Line:
    amount: Decimal


def test_total_of_lines_is_exact_and_never_rounded():
    lines = [_Line(Decimal("333.3333")), _Line(Decimal("333.3333")), _Line(Decimal("0.0001"))]
    assert money.total(lines) == Decimal("666.6667")
    assert money.total(iter(lines)) == Decimal("666.6667")  # any iterable, once
    assert money.total([]) == 0
    assert isinstance(money.total([]), Decimal)


def test_is_whole_and_plain():
    assert money.is_whole(Decimal("1000.50"), "CHF")
    assert not money.is_whole(Decimal("1000.5"), "JPY")
    assert money.plain(Decimal("1000"), "CHF") == "1000.00"
    assert money.plain(Decimal("0.1234"), "CHF") == "0.1234"  # more than centimes: as is
    assert money.plain(Decimal("1000"), "JPY") == "1000"
