"""Letters in the reader's language: the meeting's names, the cost lines, the signature."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sponsorship.documents import letters
from sponsorship.models import Signatory
from sponsorship.models.awards import CostKind
from tests.applicant_data import offered_award
from tests.documents_text import english_left, flat, pdf_text
from tests.factories import AwardCostLineFactory, StateFactory

NAMES = {
    "fr": ("Vingt-deuxième Assemblée des États parties", "Palais des Nations (FR)", "Genève"),
    "es": ("Vigésima Segunda Reunión de los Estados Partes", "Palacio de las Naciones", "Ginebra"),
}
TITLES = {"fr": "Directeur, Unité d'appui à l'application", "es": "Director, Dependencia"}


@pytest.fixture
def translated_award(db):
    award = offered_award(StateFactory())
    meeting = award.delegate.application.meeting
    meeting.title, meeting.venue, meeting.city = (
        "Twenty-Second Meeting of the States Parties",
        "Palace of Nations",
        "Geneva",
    )
    for lang, (title, venue, city) in NAMES.items():
        setattr(meeting, f"title_{lang}", title)
        setattr(meeting, f"venue_{lang}", venue)
        setattr(meeting, f"city_{lang}", city)
    for kind, description, quantity in (
        (CostKind.AIRFARE, "Economy return ticket (fare table)", 1),
        (CostKind.DSA, "DSA, 4 night(s) at the meeting's rate", 4),
        (CostKind.TERMINAL, "Terminal expenses", 1),
        (CostKind.VISA, "Visa fee", 1),
    ):
        AwardCostLineFactory(
            award=award, kind=kind, description=description, quantity=Decimal(quantity)
        )
    db.session.add(
        Signatory(
            id=1,
            name="Ana Pérez",
            title="Director, Implementation Support Unit",
            **{f"title_{lang}": title for lang, title in TITLES.items()},
        )
    )
    db.session.commit()
    return award


@pytest.mark.parametrize("language", ["fr", "es"])
def test_letter_in_language_has_no_english_catalogue_string(db, admin, translated_award, language):
    translated_award.delegate.application.language = language
    db.session.commit()
    letter = letters.issue(translated_award, admin)
    text = flat(pdf_text(letter.pdf))
    assert english_left(letter.pdf, language) == []
    title, venue, city = NAMES[language]
    for wanted in (title, venue, city, TITLES[language]):
        assert flat(wanted) in text
    for english in (
        "Twenty-Second Meeting",
        "Palace of Nations",
        "Economy return ticket",
        "night(s)",
        "Terminal expenses",
        "Implementation Support Unit",
    ):
        assert flat(english) not in text


def test_english_letter_names_terminal_expenses_and_unit_once(db, admin, translated_award):
    letter = letters.issue(translated_award, admin)
    text = flat(pdf_text(letter.pdf))
    assert flat("Terminal expenses (Terminal expenses)") not in text
    assert flat("(Economy return ticket") not in text
    assert text.count(flat("Director, Implementation Support Unit")) == 1


def test_missing_translation_falls_back_to_english(db, admin, translated_award):
    meeting = translated_award.delegate.application.meeting
    meeting.title_fr = ""
    translated_award.delegate.application.language = "fr"
    db.session.commit()
    assert meeting.missing_languages() == ["fr"]
    ctx = letters.build_context(translated_award, code="TEST-CODE")
    assert ctx.meeting_title == meeting.title
    assert ctx.city == "Genève"


def test_english_letter_is_caught_by_the_french_check(db, admin, translated_award):
    """The check above can fail: an English letter is full of pieces it looks for."""
    letter = letters.issue(translated_award, admin)
    assert len(english_left(letter.pdf, "fr")) > 10


TRANSLATED_DATA = {
    "fr": {"meeting_title": NAMES["fr"][0], "venue": NAMES["fr"][1], "city": NAMES["fr"][2]},
    "es": {"meeting_title": NAMES["es"][0], "venue": NAMES["es"][1], "city": NAMES["es"][2]},
}


@pytest.mark.parametrize("kind", ["offer", "confirmation", "visa", "certificate"])
@pytest.mark.parametrize("language", ["fr", "es"])
def test_every_document_kind_has_no_english_catalogue_string(kind, language):
    from sponsorship.documents.render import get_renderer
    from tests.letter_data import sample_context

    ctx = sample_context(
        kind=kind,
        language=language,
        signatory_title=TITLES[language],
        travel_out_on="2026-11-30",
        travel_back_on="2026-12-06",
        passport_number="P0012345",
        passport_expiry="2031-05-01",
        **TRANSLATED_DATA[language],
    )
    pdf = get_renderer().render(ctx)
    assert english_left(pdf, language) == []
    assert flat(TRANSLATED_DATA[language]["meeting_title"]) in flat(pdf_text(pdf))


@pytest.mark.parametrize(
    ("language", "addressed", "courtesy"),
    [
        ("en", "To whom it may concern", "Please accept the assurances"),
        ("fr", "À qui de droit", "Je vous prie d'agréer"),
        ("es", "A quien corresponda", "Aprovecho la ocasión"),
    ],
)
def test_certificate_is_addressed_to_whom_it_may_concern_without_a_courtesy(
    language, addressed, courtesy
):
    """A certificate is shown to anyone: it names no addressee and closes with no
    letter's courtesy formula, unlike the offer."""
    from sponsorship.documents.render import get_renderer
    from tests.letter_data import sample_context

    renderer = get_renderer()
    certificate = flat(
        pdf_text(renderer.render(sample_context(kind="certificate", language=language)))
    )
    offer = flat(pdf_text(renderer.render(sample_context(kind="offer", language=language))))
    assert flat(addressed) in certificate
    assert flat(courtesy) not in certificate
    assert flat(courtesy) in offer
