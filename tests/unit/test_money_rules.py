"""Rules of the exact number types and enum columns that a mutation run found unguarded.

Each test names the rule it protects: rates are stored to 10**-8, naive datetimes are
refused, times read back as UTC, and status columns hold their value under a CHECK.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, StatementError

from sponsorship.core import money
from sponsorship.models import Contribution, ContributionStatus
from sponsorship.models.base import ScaledDecimal, UTCDateTime
from tests.factories import ContributionFactory


def _raw(db, column: str, contribution_id: int):
    return db.session.execute(
        sa.text(f"SELECT {column} FROM contributions WHERE id = :id"),  # noqa: S608
        {"id": contribution_id},
    ).scalar_one()


# --- Exchange rates: stored to 10**-8 -------------------------------------------------


def test_rate_with_eight_decimals_is_stored_as_hundred_millionths(db):
    """Rule: a rate is stored as an integer of 10**-8 units, so rates written by
    earlier releases (and by the migrations) read back unchanged."""
    c = ContributionFactory(exchange_rate=Decimal("0.93815001"))
    db.session.flush()
    assert _raw(db, "exchange_rate", c.id) == 93815001
    db.session.execute(
        sa.text("UPDATE contributions SET exchange_rate = 125000000 WHERE id = :id"), {"id": c.id}
    )
    db.session.expire_all()
    assert db.session.get(Contribution, c.id).exchange_rate == Decimal("1.25")


def test_rate_with_nine_decimals_is_refused(db):
    """Rule: a rate more precise than 10**-8 is refused, never rounded on storage."""
    with pytest.raises(StatementError, match="more than 8 decimal places"):
        ContributionFactory(exchange_rate=Decimal("0.123456789"), base_amount=Decimal("1"))
    db.session.rollback()


def test_money_is_stored_as_ten_thousandths(db):
    """Rule: money is stored as an integer of 10**-4 units on every backend."""
    c = ContributionFactory(amount=Decimal("12.3456"), base_amount=Decimal("12.3456"))
    db.session.flush()
    assert _raw(db, "amount", c.id) == 123456


def test_scaled_decimal_literal_is_the_scaled_integer():
    """Rule: a literal amount rendered into SQL is the same integer a bound one is."""
    kind = ScaledDecimal(4)
    assert kind.process_literal_param(Decimal("1.5"), None) == "15000"
    assert kind.process_bind_param(None, None) is None
    assert kind.process_result_value(None, None) is None
    assert repr(ScaledDecimal(8)) == "ScaledDecimal(scale=8)"
    assert ScaledDecimal().scale == 4
    assert kind.python_type is Decimal


# --- Datetimes: aware, UTC -------------------------------------------------------------


def test_naive_datetime_is_refused():
    """Rule: a naive datetime is refused: its zone would be a guess."""
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1, 12, 0), None)


def test_naive_datetime_on_a_model_is_refused(db):
    """Rule: the same refusal holds when a model is saved."""
    c = ContributionFactory()
    db.session.flush()
    c.created_at = datetime(2026, 1, 1, 12, 0)
    with pytest.raises(StatementError, match="naive"):
        db.session.flush()
    db.session.rollback()


def test_aware_datetime_is_stored_and_read_as_the_same_instant_in_utc(db):
    """Rule: an aware time in any zone is stored as UTC and reads back as UTC."""
    geneva = timezone(timedelta(hours=1))
    c = ContributionFactory()
    c.created_at = datetime(2026, 3, 1, 13, 30, tzinfo=geneva)
    db.session.flush()
    db.session.expire_all()
    read = db.session.get(Contribution, c.id).created_at
    assert read == datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    assert read.utcoffset() == timedelta(0)
    kind = UTCDateTime()
    assert kind.process_bind_param(None, None) is None
    assert kind.process_result_value(None, None) is None
    assert kind.process_bind_param(datetime(2026, 3, 1, 13, 30, tzinfo=geneva), None).tzinfo is UTC
    assert kind.process_result_value(datetime(2026, 3, 1, 12, 30), None).tzinfo is UTC
    shifted = kind.process_result_value(datetime(2026, 3, 1, 13, 30, tzinfo=geneva), None)
    assert shifted.tzinfo is UTC and shifted.hour == 12


# --- Enum columns: the value, under a CHECK -------------------------------------------


def test_enum_column_stores_the_members_value(db):
    """Rule: a status is stored as its value ("received"), the text exports and the
    migrations' CHECKs name."""
    c = ContributionFactory(status=ContributionStatus.RECEIVED)
    db.session.flush()
    assert _raw(db, "status", c.id) == "received"


def test_enum_column_check_refuses_an_unknown_value(db):
    """Rule: the database itself refuses a status outside the enum (a CHECK), whatever
    path writes it."""
    c = ContributionFactory()
    db.session.flush()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(
            sa.text("UPDATE contributions SET status = 'bogus' WHERE id = :id"), {"id": c.id}
        )
    db.session.rollback()


def test_enum_column_refuses_an_unknown_string_before_the_database(db):
    """Rule: an unknown status string is refused when the model is saved."""
    c = ContributionFactory()
    db.session.flush()
    c.status = "bogus"
    with pytest.raises(StatementError) as refused:
        db.session.flush()
    assert not isinstance(refused.value, IntegrityError), "refused only by the database"
    db.session.rollback()


def test_enum_check_constraint_is_named_after_the_enum(db):
    """Rule: the CHECK carries the enum's lower-case name, which the migrations use."""
    table = Contribution.__table__
    names = {c.name for c in table.constraints if isinstance(c, sa.CheckConstraint)}
    assert "ck_contributions_contributionstatus" in names


def test_enum_column_reads_back_the_member(db):
    """Rule: a stored value reads back as the enum member, not a bare string."""
    c = ContributionFactory(status=ContributionStatus.RECEIVED)
    db.session.flush()
    db.session.expire_all()
    assert db.session.get(Contribution, c.id).status is ContributionStatus.RECEIVED


def test_to_base_uses_the_base_currency_by_default(app):
    """Rule: without a currency, conversion rounds to the base currency's minor unit."""
    with app.app_context():
        assert money.base_currency() == "CHF"
        assert money.to_base(Decimal("1"), Decimal("0.12345678")) == Decimal("0.12")
        assert money.plain(Decimal("1000")) == "1000.00"


def test_quantize_rounds_half_to_even_whatever_the_callers_decimal_context():
    """Rule: the one rounding rule does not depend on the ambient decimal context."""
    from decimal import ROUND_HALF_UP, localcontext

    with localcontext() as ctx:
        ctx.rounding = ROUND_HALF_UP
        assert money.quantize(Decimal("0.125"), "CHF") == Decimal("0.12")
        assert money.to_base(Decimal("0.25"), Decimal("0.5"), "CHF") == Decimal("0.12")


def test_plain_never_writes_an_exponent():
    """Rule: a plain amount is digits and a point, never scientific notation."""
    assert money.plain(Decimal("1E-7"), "CHF") == "0.0000001"
    assert money.plain(Decimal("1E+3"), "JPY") == "1000"


def test_display_shows_the_amount_in_the_currency_for_the_locale(app):
    """Rule: amounts shown to people carry their currency and the locale's grouping."""
    with app.test_request_context():
        assert money.display(Decimal("1250.5"), "CHF") == "CHF1,250.50"
        assert money.display(Decimal("3")) == "CHF3.00"


def test_created_at_is_required_by_the_database(db):
    """Rule: every row records when it was created; the database refuses a row without."""
    c = ContributionFactory()
    db.session.flush()
    assert c.created_at is not None
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(
            sa.text("UPDATE contributions SET created_at = NULL WHERE id = :id"), {"id": c.id}
        )
    db.session.rollback()


def test_money_and_rate_column_types_store_their_own_scales():
    """Rule: Money() columns hold ten-thousandths, Rate() columns hundred-millionths."""
    from sponsorship.models.base import Money, Rate

    assert Money().process_bind_param(Decimal("1.2345"), None) == 12345
    assert Rate().process_bind_param(Decimal("0.12345678"), None) == 12345678
    assert Money().process_result_value(12345, None) == Decimal("1.2345")


def test_refusals_say_what_to_use_instead():
    """Rule: a refused float or naive datetime says what to pass instead."""
    with pytest.raises(
        TypeError, match=r"^floats are not accepted for exact amounts; use Decimal$"
    ):
        ScaledDecimal(4).process_bind_param(0.5, None)
    with pytest.raises(
        ValueError, match=r"^naive datetimes are refused; use an aware UTC datetime$"
    ):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), None)
