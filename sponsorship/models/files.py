"""Stored files and the report exports built into them.

`stored_files` is the database backend of sponsorship/storage: one row per file, its
bytes, size and sha256. `report_exports` records each export a job prepares (what,
for whom, at which data stamp, how far along) and the storage key of its file.
Neither is data a page shows: both are written outside the request's session, so
storing a file or a report does not change the data stamp (models/data_version.py).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sponsorship.models.base import Base, UTCDateTime, created_at_column


class StoredFile(Base):
    __tablename__ = "stored_files"

    #: The storage key, e.g. "notes/<32 hex>.pdf" or "exports/<id>/donor-report.pdf".
    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    content: Mapped[bytes] = mapped_column(sa.LargeBinary())
    size: Mapped[int] = mapped_column(sa.BigInteger())
    sha256: Mapped[str] = mapped_column(sa.String(64))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = created_at_column()


class ReportExport(Base):
    __tablename__ = "report_exports"
    __table_args__ = (
        sa.Index("ix_report_exports_lookup", "kind", "scope", "locale", "id"),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'ready', 'failed')", name="export_status"
        ),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name="export_progress"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Which export: "donor.pdf", "programme.csv", ...
    kind: Mapped[str] = mapped_column(sa.String(40))
    #: Whose data: "programme", "donor-<id>" for one donor's own report, "meeting-<id>"
    #: for a meeting's letters, "audit-<hash of params>" for a filter of the audit trail.
    scope: Mapped[str] = mapped_column(sa.String(40))
    #: What it was asked for beyond whose data it is (the audit trail's filter, as a
    #: query string); None for the reports, which take none.
    params: Mapped[str | None] = mapped_column(sa.Text())
    #: The language of a PDF; "" for the formats that do not depend on it.
    locale: Mapped[str] = mapped_column(sa.String(8), default="")
    #: The data stamp the export was built at (None until the job starts).
    stamp: Mapped[str | None] = mapped_column(sa.String(32))
    status: Mapped[str] = mapped_column(sa.String(16), default="queued")
    progress: Mapped[int] = mapped_column(sa.Integer(), default=0)
    file_key: Mapped[str | None] = mapped_column(sa.String(255))
    size: Mapped[int | None] = mapped_column(sa.BigInteger())
    error: Mapped[str | None] = mapped_column(sa.Text())
    requested_at: Mapped[datetime] = created_at_column()
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
