"""Reading what a document says: its PDF text, and the English catalogue strings in it."""

from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po
from pypdf import PdfReader

TRANSLATIONS = Path(__file__).resolve().parent.parent / "sponsorship" / "translations"
_PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sd]")
#: Shorter English pieces ("Date", "Total") are too often also French or Spanish words.
MIN_PIECE = 12


def flat(text: str) -> str:
    """Text without whitespace or invisible marks: extraction breaks lines where it likes."""
    return re.sub(r"[\s\u00a0\u202f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069]+", "", text)


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@cache
def english_pieces(language: str) -> tuple[str, ...]:
    """The English text of every catalogue message that `language` words differently,
    cut at its placeholders, each piece long enough to be English only."""
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle, locale=language)
    pieces = set()
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english in ids:
            for piece in _PLACEHOLDER.split(english):
                piece = flat(piece)
                if len(piece) >= MIN_PIECE and all(piece not in flat(s) for s in strings):
                    pieces.add(piece)
    return tuple(sorted(pieces))


def english_left(pdf: bytes, language: str) -> list[str]:
    """The English catalogue pieces found in a `language` document's text."""
    return english_in_text(pdf_text(pdf), language)


def english_in_text(text: str, language: str) -> list[str]:
    """The English catalogue pieces found in `language` text (a mail, a page)."""
    text = flat(text)
    return [piece for piece in english_pieces(language) if piece in text]
