"""The helpers a page writing many rows uses instead of building each cell anew
(filters.money_writer, filters.url_around) write what the per-cell way writes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import url_for
from flask_babel import force_locale

from sponsorship.web.filters import money, money_writer, url_around

AMOUNTS = [None, Decimal(0), Decimal("-0.5"), Decimal("1234.5"), Decimal("9876543.215"), 7]


@pytest.mark.parametrize("locale", ["en", "fr", "es"])
@pytest.mark.parametrize("currency", [None, "USD", "JPY"])
def test_money_writer_writes_what_money_writes(app, locale, currency):
    with app.test_request_context("/"), force_locale(locale):
        write = money_writer(currency)
        assert [write(a) for a in AMOUNTS] == [money(a, currency) for a in AMOUNTS]


@pytest.mark.parametrize("key", [1, 42, 987654])
def test_url_around_joins_to_the_url_for_that_id(app, key):
    with app.test_request_context("/"):
        before, after = url_around("admin.review.application", "application_id")
        assert before + str(key) + after == url_for("admin.review.application", application_id=key)
        before, after = url_around("admin.review.decide", "delegate_id", decision="offer")
        expected = url_for("admin.review.decide", delegate_id=key, decision="offer")
        assert before + str(key) + after == expected


def test_url_around_cuts_a_query_argument_too(app):
    with app.test_request_context("/"):
        before, after = url_around("admin.review.queue", "page", meeting=3)
        assert before + "2" + after == url_for("admin.review.queue", meeting=3, page=2)
