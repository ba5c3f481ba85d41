"""The user-agent stylesheet the printed documents are laid out with.

WeasyPrint matches its HTML5 user-agent stylesheet (html5_ua.css: forms, frames,
presentational attributes, dozens of `[dir]` rules) against every element of every
letter; many of its rules start with an attribute or `:is()` selector, which
cssselect2 cannot index, so they are tried on every element. A letter uses some
thirty elements from our own templates. `static/letters/ua.css` holds WeasyPrint's
rules for exactly those, and a letter lays out box for box as with the full sheet
(tests/unit/test_letters_ua.py) for 8 % fewer instructions (callgrind, an offer
letter: 672 million with WeasyPrint's sheet, 618 million with this one).
"""

from __future__ import annotations

from weasyprint import CSS, HTML

from sponsorship.documents.fetcher import STATIC_ROOT

UA_PATH = STATIC_ROOT / "letters" / "ua.css"

#: Parsed once per process, like WeasyPrint's own.
UA_STYLESHEET = CSS(string=UA_PATH.read_text(encoding="utf-8"))


class PrintHTML(HTML):
    """WeasyPrint's HTML document with our user-agent stylesheet instead of its own.

    `_ua_stylesheets` is how WeasyPrint itself chooses the sheet (with or without
    forms); pyproject pins WeasyPrint's major version, and the layout test compares
    every kind of document with both sheets.
    """

    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        return [UA_STYLESHEET]
