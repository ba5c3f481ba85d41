"""What a request may carry: every bound the edge checks, in one place.

Anything beyond them is refused where it arrives (a 404 for a path, a field error for
a form) rather than reaching the database, where it would fail as a server error:
PostgreSQL's INTEGER stops at 2**31 - 1, BIGINT (our scaled money) at 2**63 - 1, SQLite
at 2**63 - 1 for both, and PostgreSQL text cannot hold NUL.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal

from werkzeug.routing import IntegerConverter, PathConverter, UnicodeConverter, ValidationError

from sponsorship.models.base import MONEY_SCALE, RATE_SCALE

#: The largest row id: every primary key is an INTEGER (PostgreSQL int4).
MAX_ID = 2**31 - 1
#: Whole numbers typed in a form (days, counts, points, years) are INTEGER columns too.
MAX_INTEGER = 2**31 - 1
#: Delegates one State may put forward for a meeting: the most a meeting's cap allows,
#: and the most rows the application form carries.
MAX_DELEGATES = 20

#: One cost, in the currency it is priced in: a fare, a meeting's DSA rate and terminal
#: expenses, an airfare or visa fee when pricing, an actual cost. Ten million is far above
#: any real travel cost and keeps every award's sum of lines exact in a BIGINT.
MAX_COST = Decimal(10_000_000)
#: A pledge or a receipt, in the contribution's own currency. Ten billion: a pledge in
#: yen or won runs to hundreds of millions; times the largest rate it still fits.
MAX_CONTRIBUTION = Decimal(10_000_000_000)
#: An exchange rate: units of the base currency for one unit of the contribution's. The
#: strongest currencies are worth a few francs; a thousand leaves room for any base.
MAX_RATE = Decimal(1_000)
#: Decimal places a form accepts: what the column keeps (models/base.py). More would be
#: a rounding, and rounding money is a decision, not a side effect of a form.
MONEY_PLACES = MONEY_SCALE
RATE_PLACES = RATE_SCALE


def is_text(ch: str) -> bool:
    """False for a control character other than tab and line breaks (C0, DEL, C1), a
    surrogate, or a noncharacter (U+FFFE, U+FDD0...): nothing a keyboard types. NUL is
    refused by PostgreSQL, the others by XML and spreadsheets."""
    if ch in "\t\n\r":
        return True
    code = ord(ch)
    return not (
        unicodedata.category(ch) in ("Cc", "Cs")
        or 0xFDD0 <= code <= 0xFDEF
        or (code & 0xFFFE) == 0xFFFE
    )


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: an id beyond any row's is a 404, never a query.

    Registered in place of Werkzeug's default in the app factory, so no route can forget
    it; a negative or non-numeric segment already fails to match.
    """

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - Werkzeug's name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class _Text:
    """A path segment (a State's code, a verification code, a token) that holds a
    character `is_text` refuses names nothing: a 404, never a query."""

    def to_python(self, value: str) -> str:
        if not all(map(is_text, value)):
            raise ValidationError()
        return super().to_python(value)  # type: ignore[misc]


class TextConverter(_Text, UnicodeConverter):
    pass


class PathTextConverter(_Text, PathConverter):
    pass


#: Every converter the app's routes use, bounded; registered by the app factory.
CONVERTERS = {
    "int": IdConverter,
    "default": TextConverter,
    "string": TextConverter,
    "path": PathTextConverter,
}


def parse_int(value: str | None, minimum: int = -MAX_INTEGER, maximum: int = MAX_INTEGER):
    """A whole number sent outside a form class (a query string, a list of checkboxes),
    or None when it is not one or lies outside [minimum, maximum]."""
    try:
        number = int((value or "").strip())
    except ValueError:  # also past Python's 4,300 digits
        return None
    return number if minimum <= number <= maximum else None


def parse_id(value: str | None) -> int | None:
    """A row id sent outside the path ("12"), or None if it cannot name a row."""
    return parse_int(value, 0, MAX_ID)
