"""history import: the imports made, and the day each cost line was paid

Past years come in from a workbook (`flask history import`); each confirmed import is
kept with its file's sha256. A cost line may carry the day its money moved, which the
IATI file uses as the transaction date.

Revision ID: 5d9e1b7c3a21
Revises: b7e2d41c9a05
Create Date: 2026-12-03 00:30:00
"""

import sqlalchemy as sa

import sponsorship.models.base
from alembic import op

# revision identifiers, used by Alembic.
revision = "5d9e1b7c3a21"
down_revision = "b7e2d41c9a05"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "history_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.Column("imported_at", sponsorship.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.CheckConstraint("length(sha256) = 64", name=op.f("ck_history_imports_sha256_length")),
        sa.ForeignKeyConstraint(
            ["imported_by_id"],
            ["users.id"],
            name=op.f("fk_history_imports_imported_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_history_imports")),
    )
    with op.batch_alter_table("history_imports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_history_imports_sha256"), ["sha256"], unique=False)
    with op.batch_alter_table("award_cost_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paid_on", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("award_cost_lines", schema=None) as batch_op:
        batch_op.drop_column("paid_on")
    with op.batch_alter_table("history_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_history_imports_sha256"))
    op.drop_table("history_imports")
