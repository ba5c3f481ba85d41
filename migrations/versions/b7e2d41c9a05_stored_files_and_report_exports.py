"""stored files and report exports: files in shared storage, exports prepared by jobs

Nomination notes (and any file to come) live in one storage (sponsorship/storage):
this table is its database backend. Notes already on a host's disk (UPLOAD_DIR/notes)
are moved in by `flask storage import-uploads`, which checks each one by sha256; the
move reads files, so it is a command run once per host that holds them, not part of
this revision. `report_exports` records each report a job prepares.

Revision ID: b7e2d41c9a05
Revises: a17c0de5e551
Create Date: 2026-12-02 23:55:00
"""

import sqlalchemy as sa
from alembic import op

from sponsorship.models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = "b7e2d41c9a05"
down_revision = "a17c0de5e551"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stored_files",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_stored_files")),
    )
    op.create_table(
        "report_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("stamp", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("file_key", sa.String(length=255), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'ready', 'failed')",
            name=op.f("ck_report_exports_export_status"),
        ),
        sa.CheckConstraint(
            "progress BETWEEN 0 AND 100", name=op.f("ck_report_exports_export_progress")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_exports")),
    )
    op.create_index("ix_report_exports_lookup", "report_exports", ["kind", "scope", "locale", "id"])


def downgrade():
    op.drop_index("ix_report_exports_lookup", table_name="report_exports")
    op.drop_table("report_exports")
    op.drop_table("stored_files")
