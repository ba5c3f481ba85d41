"""The demo and scale data name meetings, sessions, venues and the signatory in English,
French and Spanish (issue 18): a French or Spanish reader of `make run` sees none of
the English fallback, and the fallback the admin pages flag is shown nowhere."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from sponsorship.devdata import scale
from sponsorship.devdata.demo import seed_demo
from sponsorship.documents.letters import signature
from sponsorship.models import Meeting, MeetingSession, Signatory

TODAY = date(2026, 11, 28)


def _typed_rows(db) -> list:
    return [
        *db.session.scalars(select(Meeting)),
        *db.session.scalars(select(MeetingSession)),
        *db.session.scalars(select(Signatory)),
    ]


def _gaps(rows) -> list[str]:
    return [f"{row!r}: {row.missing_languages()}" for row in rows if row.missing_languages()]


def _untranslated(rows) -> list[str]:
    """Fields whose French or Spanish text is the English copied over (a venue or city
    whose name is the same in a language is listed in ALLOWED_SAME)."""
    allowed_same = {"Palais des Nations", "CICG"}
    return [
        f"{row!r}.{field}_{lang}"
        for row in rows
        for field in row.translated_fields
        for lang in ("fr", "es")
        if getattr(row, field) == getattr(row, f"{field}_{lang}")
        and getattr(row, field) not in allowed_same
    ]


def test_seed_demo_names_every_meeting_session_venue_and_signatory_in_fr_and_es(db):
    seed_demo(today=TODAY)
    rows = _typed_rows(db)
    assert sum(isinstance(row, Signatory) for row in rows) == 1
    assert sum(isinstance(row, Meeting) for row in rows) == 2
    assert _gaps(rows) == []
    assert _untranslated(rows) == []


def test_seed_demo_signs_letters_in_the_readers_language(db):
    seed_demo(today=TODAY)
    french, spanish = signature("fr"), signature("es")
    assert french["signatory_title"] == "Directrice de l'Unité d'appui à l'application"
    assert spanish["signatory_title"] == "Directora de la Dependencia de Apoyo a la Aplicación"
    assert french["signatory_name"] == signature("en")["signatory_name"] == "Ingrid Keller"


def test_seed_demo_past_msp_reads_as_the_conventions_french_and_spanish_title(db):
    seed_demo(today=TODAY)
    msp = db.session.scalar(select(Meeting).where(Meeting.number == 22))
    assert msp.in_language("title", "fr") == "Vingt-deuxième Assemblée des États parties"
    assert msp.in_language("title", "es") == "Vigésima Segunda Reunión de los Estados Partes"
    assert msp.in_language("city", "fr") == "Genève"


def test_seed_scale_names_every_meeting_and_session_in_fr_and_es(db):
    scale.seed_scale(years=1, seed=2, today=TODAY)
    rows = _typed_rows(db)
    assert rows
    assert _gaps(rows) == []
    assert _untranslated(rows) == []
