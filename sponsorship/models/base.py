"""Declarative base, exact number types and enum columns shared by every model."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, MappedColumn, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class ScaledDecimal(TypeDecorator):
    """An exact decimal stored as a scaled integer.

    SQLite keeps NUMERIC as a binary float (0.105 came back as 0.10), so money and
    rates are stored as integers of 10**-scale units on every backend. Sums and
    comparisons then happen in integer arithmetic inside the database, which is
    exact on SQLite and PostgreSQL alike. A value with more decimals than the
    scale is refused rather than rounded: rounding money is a decision, never a
    side effect of storage.
    """

    impl = sa.BigInteger
    cache_ok = True

    def __init__(self, scale: int = 4) -> None:
        super().__init__()
        self.scale = scale

    def __repr__(self) -> str:
        # Alembic renders types by repr; TypeDecorator's default shows only the impl.
        return f"ScaledDecimal(scale={self.scale})"

    @property
    def python_type(self) -> type:
        return Decimal

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("floats are not accepted for exact amounts; use Decimal")
        scaled = Decimal(value).scaleb(self.scale)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {self.scale} decimal places")
        return int(scaled)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-self.scale)

    def process_literal_param(self, value: Any, dialect: Any) -> str:
        return str(self.process_bind_param(value, dialect))


#: Money in any currency, to the ten-thousandth (DSA rates and FX products need more
#: than cents); displays round to the currency's own minor unit.
MONEY_SCALE = 4
#: Exchange rates, to 10**-8.
RATE_SCALE = 8


def Money() -> ScaledDecimal:  # noqa: N802 - reads as a column type
    return ScaledDecimal(MONEY_SCALE)


def Rate() -> ScaledDecimal:  # noqa: N802
    return ScaledDecimal(RATE_SCALE)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite drops the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: Enums whose members compare and print as their stored value.
StrEnum = enum.StrEnum


def enum_column(enum_cls: type[enum.Enum], **kwargs: Any) -> MappedColumn[Any]:
    """A status column stored as its value and guarded by a CHECK constraint."""
    return mapped_column(
        sa.Enum(
            enum_cls,
            native_enum=False,
            create_constraint=True,
            values_callable=lambda members: [m.value for m in members],
            name=enum_cls.__name__.lower(),
            length=32,
            validate_strings=True,
        ),
        **kwargs,
    )


def created_at_column() -> MappedColumn[Any]:
    return mapped_column(UTCDateTime(), default=utcnow, nullable=False)
