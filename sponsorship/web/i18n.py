"""Choosing the language: the user's saved choice, the session, then the browser."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_login import current_user


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
