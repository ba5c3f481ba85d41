"""The offer letter says who pays what: the co-funder's share, the programme's, and a
kind of cost the sponsorship does not cover; in each language; the payer's name, typed
by an administrator, is text and never markup."""

from __future__ import annotations

import re

import pytest

from sponsorship.documents.context import CostLine
from sponsorship.documents.render import LetterRenderer
from tests.letter_data import sample_context

DSA_ONLY = (
    CostLine("dsa", "", "5", "412.00", "2060.00"),
    CostLine("terminal", "", "1", "142.00", "142.00"),
)


@pytest.fixture(scope="module")
def renderer() -> LetterRenderer:
    return LetterRenderer()


def _cofunded(language: str, payer: str = "Government of Cambodia"):
    return sample_context(
        language=language,
        cost_lines=DSA_ONLY,
        total="2202.00",
        cofunded_by=payer,
        cofunded_amount="702.00",
        fund_share="1500.00",
    )


@pytest.mark.parametrize(
    ("language", "said"),
    [
        (
            "en",
            [
                "Paid by Government of Cambodia",
                "Paid by the programme",
                "does not cover the air ticket",
            ],
        ),
        (
            "fr",
            ["Payé par Government of Cambodia", "Payé par le programme", "ne couvre pas le billet"],
        ),
        (
            "es",
            ["Pagado por Government of Cambodia", "Pagado por el programa", "no cubre el billete"],
        ),
    ],
)
def test_letter_says_who_pays_what_in_its_language(renderer, language, said):
    html = renderer.render_html(_cofunded(language))
    for text in said:
        assert text in html
    assert re.search(r"1\D?500[.,]00", html)  # the programme's share, in the locale's digits


def test_letter_without_cofunding_says_nothing_of_it(renderer):
    html = renderer.render_html(sample_context())
    assert "Paid by" not in html and "does not cover" not in html


def test_letter_payer_name_is_text_not_markup(renderer):
    html = renderer.render_html(_cofunded("en", payer="<img src=x onerror=alert(1)>"))
    assert "<img src=x" not in html and "&lt;img src=x" in html
