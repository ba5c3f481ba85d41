"""Template filters: locale-aware dates, numbers and money, and translated labels."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import Flask, current_app
from flask_babel import format_currency, format_date, format_decimal, get_locale
from flask_babel import gettext as _

from sponsorship.web.labels import (
    MEETING_KIND_LABELS,
    REGION_LABELS,
    STATUS_LABELS,
    THEME_LABELS,
)


def money(value: Decimal | None, currency: str | None = None) -> str:
    if value is None:
        return "—"
    return format_currency(value, currency or current_app.config["BASE_CURRENCY"])


def fdate(value: date | None, fmt: str = "medium") -> str:
    return format_date(value, fmt) if value else "—"


def date_range(start: date, end: date) -> str:
    if start == end:
        return format_date(start, "long")
    return _(
        "%(start)s to %(end)s", start=format_date(start, "medium"), end=format_date(end, "medium")
    )


def fnumber(value) -> str:
    return format_decimal(value)


def status_label(value) -> str:
    key = getattr(value, "value", value)
    return str(STATUS_LABELS.get(key, key))


def earmark_label(contribution) -> str:
    parts = []
    if contribution.earmark_meeting is not None:
        parts.append(contribution.earmark_meeting.title)
    if contribution.earmark_meeting_kind is not None:
        parts.append(str(MEETING_KIND_LABELS[contribution.earmark_meeting_kind.value]))
    if contribution.earmark_year is not None:
        parts.append(str(contribution.earmark_year))
    if contribution.earmark_region is not None:
        parts.append(str(REGION_LABELS[contribution.earmark_region.value]))
    if contribution.earmark_theme is not None:
        parts.append(str(THEME_LABELS[contribution.earmark_theme.value]))
    return ", ".join(parts) if parts else _("Unearmarked")


def current_locale() -> str:
    return str(get_locale() or "en")


def init_filters(app: Flask) -> None:
    for f in (money, fdate, date_range, fnumber, status_label, earmark_label):
        app.add_template_filter(f)
    app.add_template_global(current_locale)
