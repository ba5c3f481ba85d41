"""The shortcut for money and percentages writes exactly what Babel writes."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from babel import Locale
from babel.numbers import format_currency, format_decimal, format_percent

from sponsorship.web import number_format

LOCALES = ("en", "fr", "es")


def _values() -> list[Decimal]:
    rng = random.Random(21)
    fixed = ["0", "-0", "0.005", "0.015", "-0.025", "1", "999.995", "1000", "-1234.5"]
    values = [Decimal(v) for v in fixed]
    for digits in range(1, 12):
        for _ in range(15):
            whole = rng.randrange(10 ** (digits - 1), 10**digits)
            values.append(Decimal(whole).scaleb(-rng.randrange(0, 4)) * rng.choice((1, -1)))
    return values


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("currency", ["USD", "EUR", "CHF", "JPY", "BHD", "XOF"])
def test_money_shape_writes_what_babel_writes(locale, currency):
    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    found = number_format.shape(locale, pattern, currency)
    assert found is not None
    for value in _values():
        assert found.format(value) == format_currency(value, currency, locale=locale), value


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("digits", [0, 1, 2])
def test_percent_shape_writes_what_babel_writes(locale, digits):
    pattern = Locale.parse(locale).percent_formats[None].pattern
    if digits:
        pattern = pattern.replace("0", "0." + "0" * digits, 1)
    found = number_format.shape(locale, pattern)
    assert found is not None
    for value in _values() + [0.25, 1 / 3, 0.125]:
        assert found.format(value) == format_percent(value, pattern, locale=locale), value


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("pattern", [None, "#,##0.0#", "#,##0.00##"])
def test_decimal_shape_writes_what_babel_writes(locale, pattern):
    pattern = pattern or Locale.parse(locale).decimal_formats[None].pattern
    found = number_format.shape(locale, pattern)
    assert found is not None
    for value in _values() + [Decimal("2.5000"), Decimal("0.0004"), 7, 1 / 3]:
        assert found.format(value) == format_decimal(value, pattern, locale=locale), value


def test_shape_declines_patterns_it_does_not_cover():
    assert number_format.shape("en", "#,##,##0.00") is None  # Indian grouping
    assert number_format.shape("en", "@@@") is None
