"""Money: a currency's minor unit, the one rounding rule, totals, and how amounts read.

Amounts are `Decimal`s, stored exactly (to 10**-4) on every backend; adding and
subtracting them never rounds. Rounding happens in one place, :func:`quantize`: half
to even (banker's rounding) to the currency's minor unit (the centime for CHF, the
yen for JPY). Everything that rounds money (converting a contribution into the base
currency, the figures a letter prints, the amounts an open-data file carries, a
report's averages) calls it.

This module imports nothing of the app but its configuration, so the table layer can
use it too.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Protocol

from babel.numbers import get_currency_precision
from flask import current_app

ZERO = Decimal(0)
#: Digits kept while multiplying two stored values, so the product is exact before it
#: is rounded (a 17-digit amount times a rate with 10 decimals fits easily).
_EXACT_DIGITS = 60


class HasAmount(Protocol):
    amount: Decimal


def base_currency() -> str:
    """The currency of the books (`BASE_CURRENCY`)."""
    return current_app.config["BASE_CURRENCY"]


def decimal_places(currency: str) -> int:
    """How many decimals `currency` is paid in (2 for CHF, 0 for JPY)."""
    return get_currency_precision(currency)


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of `currency` that is paid (0.01 for CHF, 1 for JPY)."""
    return Decimal(1).scaleb(-decimal_places(currency))


def quantize(amount: Decimal, currency: str | None = None) -> Decimal:
    """`amount` rounded half to even to the minor unit of `currency` (by default the
    base currency): the one rounding rule for money."""
    with localcontext() as ctx:
        ctx.prec = _EXACT_DIGITS
        return Decimal(amount).quantize(
            minor_unit(currency or base_currency()), rounding=ROUND_HALF_EVEN
        )


def is_whole(amount: Decimal, currency: str) -> bool:
    """True when `amount` needs no rounding to be paid in `currency`."""
    return amount == quantize(amount, currency)


def to_base(amount: Decimal, rate: Decimal, currency: str | None = None) -> Decimal:
    """`amount` x `rate` in the base currency (or `currency`), exact, then quantized."""
    with localcontext() as ctx:
        ctx.prec = _EXACT_DIGITS
        return quantize(amount * rate, currency)


def total(lines: Iterable[HasAmount]) -> Decimal:
    """The sum of the lines' amounts (cost lines, allocations...), exact: never rounded."""
    return sum((line.amount for line in lines), ZERO)


def plain(amount: Decimal, currency: str | None = None) -> str:
    """`amount` as a plain decimal string: to the minor unit when that loses nothing
    (1000 -> "1000.00" in CHF), else exactly as stored ("0.1234")."""
    whole = quantize(amount, currency)
    return format(whole if whole == amount else amount, "f")


def display(amount: Decimal, currency: str | None = None) -> str:
    """`amount` for a person to read, in the user's locale (CHF 1,250.50)."""
    from flask_babel import format_currency

    return format_currency(amount, currency or base_currency())
