"""Receipts of payments and claims: a PDF or an image, checked by its content, stored
in the file storage under a random name.

A PDF goes through the nomination note's check (`applications.uploads.check_pdf`); an
image must be a PNG or JPEG that Pillow decodes whole, with no web content in its
bytes, so a renamed page or a polyglot is refused like a bad note.
"""

from __future__ import annotations

import io
import secrets
import unicodedata
import warnings
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from sponsorship.applications.uploads import HTML_MARKERS, PDF_TYPE, UploadRefused, check_pdf
from sponsorship.storage import file_store
from sponsorship.storage.base import sha256

RECEIPTS = "receipts"
#: Image formats a receipt may be (a phone's photo, a scan) -> (content type, suffix).
IMAGES = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg")}
#: Larger than any receipt photo; refuses decompression bombs before decoding.
MAX_PIXELS = 40_000_000


@dataclass(frozen=True)
class StoredReceipt:
    key: str
    sha256: str
    content_type: str
    filename: str
    size: int


def _check_image(data: bytes) -> tuple[str, str]:
    """(content type, suffix) of a plain PNG or JPEG; raise UploadRefused otherwise."""
    if not (data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff")):
        raise UploadRefused(str(_l("A receipt is a PDF, PNG or JPEG file.")))
    if HTML_MARKERS.search(data):
        raise UploadRefused(str(_l("The file contains web content or scripts and was refused.")))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                fmt = image.format
                if image.width * image.height > MAX_PIXELS:
                    raise UploadRefused(str(_l("The image is too large.")))
                image.load()
    except UploadRefused:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        Warning,
        Image.DecompressionBombError,
    ):
        raise UploadRefused(str(_l("The image is damaged or incomplete."))) from None
    if fmt not in IMAGES:
        raise UploadRefused(str(_l("A receipt is a PDF, PNG or JPEG file.")))
    return IMAGES[fmt]


def check_receipt(data: bytes) -> tuple[str, str]:
    """(content type, suffix) of an acceptable receipt; raise UploadRefused."""
    limit = current_app.config["MAX_NOTE_BYTES"]
    if data.startswith(b"%PDF-"):
        check_pdf(data, limit)
        return PDF_TYPE, "pdf"
    if not data:
        raise UploadRefused(str(_l("The file is empty.")))
    if len(data) > limit:
        raise UploadRefused(
            str(_l("The file is larger than %(size)s MB.", size=f"{limit / 1024 / 1024:g}"))
        )
    return _check_image(data)


def _clean_name(name: str | None, suffix: str) -> str:
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return f"{stem[:200] or 'receipt'}.{suffix}"


def store_receipt(data: bytes, filename: str | None) -> StoredReceipt:
    """Check `data` and store it; raise UploadRefused."""
    content_type, suffix = check_receipt(data)
    key = f"{RECEIPTS}/{secrets.token_hex(16)}.{suffix}"
    file_store().put(key, data, content_type)
    return StoredReceipt(key, sha256(data), content_type, _clean_name(filename, suffix), len(data))


def read_receipt(key: str) -> bytes:
    return file_store().get(key)
