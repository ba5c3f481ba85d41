"""Issued award letters: immutable PDFs with the data they were built from."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sponsorship.models.base import Base, StrEnum, UTCDateTime, created_at_column, enum_column


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
    pdf: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    #: Primitives-only context the PDF was rendered from; enough to rebuild it.
    snapshot: Mapped[dict] = mapped_column(sa.JSON)
    #: Short public code printed on the letter and encoded in its QR code.
    verification_code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    issued_at: Mapped[datetime] = created_at_column()
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    award = relationship("Award", back_populates="letters")
