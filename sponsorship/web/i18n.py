"""Choosing the language (the user's saved choice, the session, then the browser), and
lists whose names and order follow it."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import select

from sponsorship.extensions import db
from sponsorship.models import State


def select_locale() -> str | None:
    if not has_request_context():
        return None  # CLI and jobs: the default locale, unless they force one
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages)


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def sort_key(text: str) -> str:
    """Alphabetical order as a reader expects it: accents and case ignored, so
    "États-Unis" files under E rather than after "Zimbabwe"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def state_options(value: Callable[[State], object]) -> list[tuple[object, str]]:
    """Every State as (value(state), its name in the reader's language), in that
    language's alphabetical order; for select fields."""
    lang = str(get_locale() or "en")[:2]
    options = [(value(s), s.localized_name(lang)) for s in db.session.scalars(select(State))]
    options.sort(key=lambda option: sort_key(option[1]))
    return options
