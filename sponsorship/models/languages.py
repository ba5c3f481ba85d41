"""Text an administrator types in English, French and Spanish.

English is the column itself (required); `<field>_fr` and `<field>_es` are optional
and fall back to English, so a missing translation shows the English text rather
than nothing. Admin pages show that fallback as a gap to fill (`missing_languages`).
"""

from __future__ import annotations

from collections.abc import Iterable

#: Languages other than English that typed text can be given in.
OTHER_LANGUAGES = ("fr", "es")


def reader_language() -> str:
    """The language of the page or mail being rendered (English outside a request)."""
    from flask_babel import get_locale

    try:
        locale = get_locale()
    except RuntimeError:  # no app context at all
        return "en"
    return locale.language if locale is not None else "en"


class Multilingual:
    """For models with `<field>_fr` / `<field>_es` columns beside `<field>`."""

    #: The fields that have translations.
    translated_fields: tuple[str, ...] = ()

    def in_language(self, field: str, language: str | None) -> str:
        english = getattr(self, field) or ""
        if language in OTHER_LANGUAGES:
            return getattr(self, f"{field}_{language}", None) or english
        return english

    def missing_languages(self, fields: Iterable[str] | None = None) -> list[str]:
        """The languages some field has no text in yet (it falls back to English)."""
        fields = tuple(fields or self.translated_fields)
        return [
            lang
            for lang in OTHER_LANGUAGES
            if any(
                getattr(self, field) and not getattr(self, f"{field}_{lang}", None)
                for field in fields
            )
        ]
