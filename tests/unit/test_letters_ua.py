"""The printed documents' own user-agent stylesheet (sponsorship/documents/ua.py)
changes nothing in their layout: every box where WeasyPrint's full sheet puts it."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest
import weasyprint.css
from weasyprint import HTML

from sponsorship.documents.context import KINDS, CostLine
from sponsorship.documents.render import TEMPLATE_DIR, get_renderer
from sponsorship.documents.ua import UA_PATH, PrintHTML
from tests.letter_data import sample_context

#: Every part a document can have: travel dates, a passport, a co-funder, an "other"
#: cost line, and a name long enough to get break opportunities (<wbr>).
EVERY_PART = dict(
    delegate_name="Sokha " + "Chenda" * 12,
    travel_out_on="2026-11-30",
    travel_back_on="2026-12-06",
    passport_name="LIM SOKHA CHENDA",
    passport_number="N01234567",
    passport_expiry="2031-05-01",
    cofunded_by="Cambodia",
    cofunded_amount="500.00",
    fund_share="3682.00",
    cost_lines=sample_context().cost_lines
    + (CostLine("other", "Local transport", "1", "50.00", "50.00"),),
    total="4182.00",
)
STYLE_KEYS = (
    "color",
    "font_weight",
    "font_style",
    "font_size",
    "text_decoration_line",
    "list_style_type",
    "bookmark_level",
    "border_top_color",
    "border_top_width",
    "vertical_align",
)


def layout(html_class: type[HTML], html: str, language: str) -> list[tuple]:
    """Each box of the laid-out document: its kind, place, size, text and style."""
    document = get_renderer().lay_out(html, language, html_class)
    boxes = []
    for page in document.pages:
        for box in page._page_box.descendants():
            boxes.append(
                (
                    type(box).__name__,
                    box.element_tag,
                    round(box.position_x, 3),
                    round(box.position_y, 3),
                    box.width if isinstance(box.width, str) else round(box.width or 0, 3),
                    box.height if isinstance(box.height, str) else round(box.height or 0, 3),
                    getattr(box, "text", None),
                    *(str(box.style[key]) for key in STYLE_KEYS),
                )
            )
    return boxes


@pytest.mark.parametrize("language", ["en", "fr", "es"])
@pytest.mark.parametrize("kind", KINDS)
def test_document_lays_out_as_with_weasyprints_own_stylesheet(kind, language):
    html = get_renderer().render_html(sample_context(kind=kind, language=language, **EVERY_PART))
    ours = layout(PrintHTML, html, language)
    assert len(ours) > 50
    assert ours == layout(HTML, html, language)


def _element_names(css: str) -> set[str]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    return set(re.findall(r"(?:^|[\s,(>])([a-z][a-z0-9]*)(?=[\s,{:>)\[])", css))


def test_stylesheet_has_weasyprints_rules_for_every_element_the_templates_use():
    """A new element in a document template (a <dl>, an <em>) needs its rules copied
    from WeasyPrint's sheet; one WeasyPrint has no rule for (a <span>) needs none."""
    used = set()
    for template in TEMPLATE_DIR.glob("*.html"):
        used |= set(re.findall(r"<([a-z][a-z0-9]*)\b", template.read_text(encoding="utf-8")))
    weasyprints = _element_names((files(weasyprint.css) / "html5_ua.css").read_text("utf-8"))
    missing = (used & weasyprints) - _element_names(UA_PATH.read_text(encoding="utf-8"))
    assert missing == set(), "copy WeasyPrint's rules for these into static/letters/ua.css"
    assert {"table", "li", "h1", "wbr"} <= used & weasyprints
