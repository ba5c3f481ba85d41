"""Template filters: locale-aware dates, numbers and money, and translated labels."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache, wraps

from babel import Locale, UnknownLocaleError
from flask import Flask, current_app, g, url_for
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
    get_locale,
)
from flask_babel import gettext as _
from jinja2 import pass_context
from sqlalchemy import select

from sponsorship.core.cache import StampedCache
from sponsorship.web import number_format
from sponsorship.web.labels import MEETING_KIND_LABELS, REGION_LABELS, STATUS_LABELS, THEME_LABELS


def money(value: Decimal | None, currency: str | None = None) -> str:
    if value is None:
        return "—"
    currency = currency or current_app.config["BASE_CURRENCY"]
    found = number_format.shape_for(get_locale(), "money", currency)
    return found.format(value) if found else format_currency(value, currency)


def money_writer(currency: str | None = None):
    """`money` for a page that writes many amounts, as a function of the amount: the
    locale's way of writing them is found once, not for each (half of each one's cost)."""
    currency = currency or current_app.config["BASE_CURRENCY"]
    found = number_format.shape_for(get_locale(), "money", currency)
    if found is None:
        return lambda value: money(value, currency)
    return lambda value: "—" if value is None else found.format(value)


#: Stands for the id in `url_around`: a number no route is asked for.
_SLOT = 918273645546372819


def url_around(endpoint: str, slot: str, **values) -> tuple[str, str]:
    """`endpoint`'s URL with `values`, cut where its integer `slot` is written: the
    (before, after) around it. A list linking each of its hundred rows to the same
    route writes before, the row's id and after: building each URL cost more than the
    rest of the row."""
    before, found, after = url_for(endpoint, **values, **{slot: _SLOT}).partition(str(_SLOT))
    if not found:
        raise ValueError(f"{endpoint}'s URL does not write {slot} as it is")
    return before, after


def fdate(value: date | None, fmt: str = "medium") -> str:
    return format_date(value, fmt) if value else "—"


def date_range(start: date, end: date) -> str:
    if start == end:
        return format_date(start, "long")
    return _(
        "%(start)s to %(end)s", start=format_date(start, "medium"), end=format_date(end, "medium")
    )


def fnumber(value) -> str:
    found = number_format.shape_for(get_locale(), "number")
    return found.format(value) if found else format_decimal(value)


#: Labels already translated, by (language, table, key): a page names the same few
#: statuses and genders hundreds of times, and a lazy label translated anew cost more
#: than the rest of its table cell. The catalogues never change in a process.
_TRANSLATED: dict[tuple[str, int, str], str] = {}


def _label(table: dict, key: str) -> str:
    """`table`'s (a module's dict of lazy labels) label for `key` in the current
    language, translated once; `key` itself where the table has none."""
    cache_key = (current_locale(), id(table), key)
    found = _TRANSLATED.get(cache_key)
    if found is None:
        label = table.get(key)
        found = _TRANSLATED[cache_key] = str(key if label is None else label)
    return found


def status_label(value) -> str:
    return _label(STATUS_LABELS, getattr(value, "value", value))


def earmark_label(contribution) -> str:
    parts = []
    if contribution.earmark_meeting is not None:
        parts.append(contribution.earmark_meeting.local_title)
    if contribution.earmark_meeting_kind is not None:
        parts.append(str(MEETING_KIND_LABELS[contribution.earmark_meeting_kind.value]))
    if contribution.earmark_year is not None:
        parts.append(str(contribution.earmark_year))
    if contribution.earmark_region is not None:
        parts.append(str(REGION_LABELS[contribution.earmark_region.value]))
    if contribution.earmark_theme is not None:
        parts.append(str(THEME_LABELS[contribution.earmark_theme.value]))
    return ", ".join(parts) if parts else _("Unearmarked")


def percent(value: Decimal | float | None, digits: int = 0) -> str:
    """A ratio (0.25) as the locale writes a percentage: "25 %" in French, "25%" in English."""
    if value is None:
        return "—"
    pattern = get_locale().percent_formats[None].pattern  # "#,##0 %" in French
    if digits:
        pattern = pattern.replace("0", "0." + "0" * digits, 1)
    found = number_format.shape(str(get_locale()), pattern)
    return found.format(value) if found else format_percent(value, pattern)


@cache
def _gender_labels() -> dict:
    """The genders' (lazy) labels by key, made once rather than on every label."""
    from sponsorship.applications.forms import GENDERS

    return dict(GENDERS)


def gender_label(value) -> str:
    return _label(_gender_labels(), getattr(value, "value", value))


def breakdown_label(row, dimension: str) -> str:
    """A report row's label in the reader's language: the reports give codes and the
    States' English names, the page shows what they mean."""
    key = row.key
    if dimension == "region":
        return str(REGION_LABELS.get(key, row.label))
    if dimension == "theme":
        return str(THEME_LABELS.get(key, row.label))
    if dimension == "gender":
        return gender_label(key)
    if dimension == "first_time":
        return _("Yes") if key == "True" else _("No")
    if dimension == "state":
        return state_name(key, row.label)
    return row.label


#: Every State's name by ISO code and English name, per language, kept at the data stamp.
_STATE_NAMES: StampedCache[dict[str, str]] = StampedCache(8)


def _load_state_names(lang: str) -> dict[str, str]:
    from sponsorship.extensions import db
    from sponsorship.models import State
    from sponsorship.models.states import localized_name

    names: dict[str, str] = {}
    # Four columns, not the States as objects: the donor's pages name them all.
    rows = db.session.execute(select(State.iso3, State.name, State.name_fr, State.name_es))
    for iso3, name, name_fr, name_es in rows:
        names[iso3] = names[name] = localized_name(name, name_fr, name_es, lang)
    return names


def state_name(key: str, default: str | None = None) -> str:
    """A State's name in the current language (pycountry's translations, loaded with
    the States), found by its ISO code or its English name. Read once per language
    while the data is unchanged (core/cache.py), so no query on most requests."""
    if "state_names" not in g:
        from sponsorship.extensions import db
        from sponsorship.models.data_version import current_if_unwritten

        lang = current_locale()[:2]
        stamp = current_if_unwritten(db.session)
        g.state_names = _STATE_NAMES.get_or_compute(lang, stamp, lambda: _load_state_names(lang))
    return g.state_names.get(key, key if default is None else default)


def language_name(code: str | None) -> str:
    """A language code as the reader says it: fr is "French", "français", "francés"."""
    if not code:
        return "—"
    try:
        return Locale.parse(code).get_display_name(get_locale()) or code
    except (ValueError, UnknownLocaleError):
        return code


def current_locale() -> str:
    return str(get_locale() or "en")


def _per_render(f):
    """Keep Jinja from folding the filter at compile time.

    Jinja's optimizer calls a filter whose arguments are constants (such as
    `"expired"|status_label`) while compiling, and the compiled template is cached
    for the life of the process: the label of whichever language compiled it first
    would then be shown to every reader. Jinja never folds a context filter.
    """

    @pass_context
    @wraps(f)
    def per_render(_context, *args, **kwargs):
        return f(*args, **kwargs)

    return per_render


def fdatetime(value) -> str:
    """A moment in the user's time zone, e.g. "28 Nov 2026, 09:05"."""
    return format_datetime(value, "medium") if value else "—"


def init_filters(app: Flask) -> None:
    for f in (
        money,
        fdate,
        fdatetime,
        date_range,
        fnumber,
        percent,
        status_label,
        earmark_label,
        gender_label,
        breakdown_label,
        language_name,
        state_name,
    ):
        app.add_template_filter(_per_render(f), f.__name__)
    app.add_template_global(current_locale)
    app.add_template_global(money_writer)
    app.add_template_global(url_around)
