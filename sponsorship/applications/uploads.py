"""The nomination note (note verbale): a PDF checked by its content, stored privately.

A file is accepted only if it *is* a PDF: it starts with `%PDF-` at byte 0, a PDF
parser reads its structure and finds pages, and nothing in it reads as HTML, script
or an embedded file. That refuses a renamed file, and a polyglot that a browser
would render as a web page. Accepted files go under UPLOAD_DIR (outside static/)
with a random name; the name the user gave is kept only for the download.
"""

from __future__ import annotations

import io
import logging
import re
import secrets
import unicodedata
import warnings
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from sponsorship.core.errors import DomainError
from sponsorship.storage import file_store

NOTES = "notes"
PDF_TYPE = "application/pdf"
#: Markers of web content; none belongs in a note verbale. Case-insensitive on the raw
#: bytes, and each long enough that compressed (random-looking) data will not match it.
HTML_MARKERS = re.compile(
    rb"<\s*(?:!doctype|html|head>|body|script|iframe|object|embed|svg|img\s|meta\s|link\s|style)"
    rb"|javascript:|\bon(?:error|load|click)\s*=",
    re.IGNORECASE,
)
#: PDF names of active content (PDF names are case-sensitive). Objects can also hide in
#: compressed object streams, so the catalogue and pages are checked after parsing too.
ACTIVE_NAMES = re.compile(rb"/(?:JavaScript|Launch|EmbeddedFiles?|RichMedia|XFA)\b")
ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/RichMediaExecute"}
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.pdf$")

log = logging.getLogger(__name__)


class UploadRefused(DomainError):
    pass


@dataclass(frozen=True)
class StoredNote:
    #: Random file name; stored under the key "notes/<stored_name>".
    stored_name: str
    #: The user's file name, cleaned, for the download.
    filename: str

    def token(self, user_id: int) -> str:
        """A reference the form carries across re-renders, signed and bound to the user."""
        return _serializer().dumps([self.stored_name, self.filename, user_id])


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="sponsorship.note-upload")


def from_token(token: str, user_id: int) -> StoredNote | None:
    """The note a form token refers to, if it is genuine, this user's, and still stored."""
    try:
        stored_name, filename, owner = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if owner != user_id or not isinstance(stored_name, str) or not isinstance(filename, str):
        return None
    if not STORED_NAME.match(stored_name) or file_store().stat(note_key(stored_name)) is None:
        return None
    return StoredNote(stored_name, filename)


def note_key(stored_name: str) -> str:
    """The storage key of a note; ValueError for anything but a stored note's name."""
    if not STORED_NAME.match(stored_name or ""):
        raise ValueError("not a stored note name")
    return f"{NOTES}/{stored_name}"


def read_note(stored_name: str) -> bytes | None:
    """The note's bytes, or None when the name is not a note's or nothing is stored."""
    from sponsorship.storage import NotStored

    try:
        return file_store().get(note_key(stored_name))
    except (ValueError, NotStored):
        return None


def clean_filename(name: str | None) -> str:
    """The user's file name without a path, control characters or excess length."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    stem = name[:-4] if name.lower().endswith(".pdf") else name
    return (stem[:200] or "note-verbale") + ".pdf"


def check_pdf(data: bytes, max_bytes: int) -> None:
    """Refuse anything that is not a plain, parseable PDF; raise UploadRefused."""
    if not data:
        raise UploadRefused(str(_l("The file is empty.")))
    if len(data) > max_bytes:
        raise UploadRefused(
            str(
                _l(
                    "The file is larger than %(size)s MB. Please send a smaller PDF.",
                    size=f"{max_bytes / 1024 / 1024:g}",
                )
            )
        )
    if not data.startswith(b"%PDF-"):
        raise UploadRefused(str(_l("The file is not a PDF. Please upload the note as a PDF.")))
    if HTML_MARKERS.search(data) or ACTIVE_NAMES.search(data):
        raise UploadRefused(
            str(_l("The PDF contains web content, scripts or attached files and was refused."))
        )
    if b"%%EOF" not in data[-1024:]:
        raise UploadRefused(str(_l("The PDF is damaged or incomplete.")))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=True)
            if reader.is_encrypted:
                raise UploadRefused(
                    str(_l("The PDF is password-protected. Please upload it without a password."))
                )
            pages = len(reader.pages)
            active = _has_active_content(reader)
    except UploadRefused:
        raise
    except (
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        RecursionError,
        AssertionError,
        OSError,
    ) as error:
        log.info("note refused as unparseable: %s", error)
        raise UploadRefused(str(_l("The PDF is damaged or incomplete."))) from None
    if active:
        raise UploadRefused(
            str(_l("The PDF contains web content, scripts or attached files and was refused."))
        )
    if pages < 1:
        raise UploadRefused(str(_l("The PDF has no pages.")))


def _action_types(action) -> set[str]:
    """The action types in an action dictionary and the actions chained after it."""
    found: set[str] = set()
    todo = [action]
    while todo and len(found) < 50:
        item = todo.pop()
        item = item.get_object() if hasattr(item, "get_object") else item
        if isinstance(item, list):
            todo.extend(item)
            continue
        if not hasattr(item, "get"):
            continue
        if item.get("/S") is not None:
            found.add(str(item.get("/S")))
        if item.get("/Next") is not None:
            todo.append(item.get("/Next"))
    return found


def _has_active_content(reader: PdfReader) -> bool:
    root = reader.trailer["/Root"].get_object()
    names = root.get("/Names")
    names = names.get_object() if names is not None else {}
    if "/JavaScript" in names or "/EmbeddedFiles" in names:
        return True
    acroform = root.get("/AcroForm")
    if acroform is not None and "/XFA" in acroform.get_object():
        return True
    actions = [root.get("/OpenAction")]
    aa = root.get("/AA")
    if aa is not None:
        actions.extend(aa.get_object().values())
    for page in reader.pages:
        page_aa = page.get("/AA")
        if page_aa is not None:
            actions.extend(page_aa.get_object().values())
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") in ("/FileAttachment", "/RichMedia", "/Movie", "/Screen"):
                return True
            actions.append(annot.get("/A"))
    return any(_action_types(a) & ACTIVE_ACTIONS for a in actions if a is not None)


def store_note(data: bytes, filename: str | None) -> StoredNote:
    """Check `data` and store it under a new random name; raise UploadRefused."""
    check_pdf(data, current_app.config["MAX_NOTE_BYTES"])
    stored_name = secrets.token_hex(16) + ".pdf"
    file_store().put(note_key(stored_name), data, PDF_TYPE)
    return StoredNote(stored_name, clean_filename(filename))
