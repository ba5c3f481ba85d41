"""Issued award letters: immutable PDFs with the data they were built from.

The PDF itself is a file in shared storage (sponsorship/storage) under a key that
names its content, letters/<sha256>.pdf: the row keeps the key and the sha256, and a
copy read back is checked against it (documents/letters.letter_pdf).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sponsorship.models.base import Base, StrEnum, UTCDateTime, created_at_column, enum_column

#: What a letter's snapshot holds of the passport (documents/context.py).
PASSPORT_KEYS = ("passport_number", "passport_expiry", "passport_name")


def holds_passport(kind: str, snapshot: dict | None, file_key: str | None) -> bool:
    """The visa letter prints the passport; every document's data copies it."""
    snapshot = snapshot or {}
    return any(snapshot.get(k) for k in PASSPORT_KEYS) or (kind == "visa" and bool(file_key))


class LetterStatus(StrEnum):
    VALID = "valid"
    SUPERSEDED = "superseded"
    REVOKED = "revoked"


class Letter(Base):
    __tablename__ = "letters"
    __table_args__ = (
        sa.UniqueConstraint("award_id", "kind", "version"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.CheckConstraint("length(sha256) = 64", name="sha256_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(sa.ForeignKey("awards.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    #: offer, confirmation, visa or certificate (sponsorship/documents/series.py).
    kind: Mapped[str] = mapped_column(sa.String(20), default="offer", server_default="offer")
    language: Mapped[str] = mapped_column(sa.String(2))
    status: Mapped[LetterStatus] = enum_column(LetterStatus, default=LetterStatus.VALID)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    #: Where the PDF is stored: "letters/<sha256>.pdf" (documents/letters.pdf_key).
    file_key: Mapped[str] = mapped_column(sa.String(255))
    #: Primitives-only context the PDF was rendered from; enough to rebuild it.
    snapshot: Mapped[dict] = mapped_column(sa.JSON)
    #: Short public code printed on the letter and encoded in its QR code.
    verification_code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    issued_at: Mapped[datetime] = created_at_column()
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: `holds_passport(kind, snapshot, file_key)`, kept when the row is written (see
    #: `_keep_holds_passport`) and cleared by the privacy purge: counting what a purge
    #: would remove then reads no snapshot (parsing 17,000 of them took 0.8 s).
    passport_held: Mapped[bool] = mapped_column(
        sa.Boolean, default=False, server_default=sa.false()
    )

    award = relationship("Award", back_populates="letters")

    @property
    def pdf(self) -> bytes:
        """The issued PDF, read from the storage (not checked; letter_pdf checks it)."""
        from sponsorship.storage import file_store

        return file_store().get(self.file_key)


@sa.event.listens_for(Letter, "before_insert")
@sa.event.listens_for(Letter, "before_update")
def _keep_holds_passport(_mapper, _connection, letter: Letter) -> None:
    letter.passport_held = holds_passport(letter.kind or "offer", letter.snapshot, letter.file_key)
