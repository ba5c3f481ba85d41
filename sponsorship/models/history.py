"""Workbooks of past years brought in by the history import, one row per import."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sponsorship.models.base import Base, created_at_column


class HistoryImport(Base):
    """One confirmed import: which file (its sha256), by whom, and what it added."""

    __tablename__ = "history_imports"
    __table_args__ = (sa.CheckConstraint("length(sha256) = 64", name="sha256_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    imported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    imported_at: Mapped[datetime] = created_at_column()
    #: Rows added per sheet, and rows already present (left unchanged).
    summary: Mapped[dict] = mapped_column(sa.JSON)
