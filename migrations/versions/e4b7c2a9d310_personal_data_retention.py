"""personal data retention: purge markers, the note's kept sha256, e-mail optional

A delegate's e-mail address, passport, phone and accessibility needs are purged after
the retention period (sponsorship/privacy): the e-mail column becomes nullable, each
delegate records when its data went, and an application keeps its note's sha256 when
the note's file is purged.

Revision ID: e4b7c2a9d310
Revises: 5d9e1b7c3a21
Create Date: 2026-12-03 06:00:00
"""

import sqlalchemy as sa

import sponsorship.models.base
from alembic import op

# revision identifiers, used by Alembic.
revision = "e4b7c2a9d310"
down_revision = "5d9e1b7c3a21"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("delegates", schema=None) as batch_op:
        batch_op.alter_column("email", existing_type=sa.String(length=254), nullable=True)
        batch_op.add_column(
            sa.Column(
                "personal_data_purged_at",
                sponsorship.models.base.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column(
                "note_purged_at", sponsorship.models.base.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade():
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_column("note_purged_at")
        batch_op.drop_column("note_sha256")
    op.execute("UPDATE delegates SET email = '' WHERE email IS NULL")
    with op.batch_alter_table("delegates", schema=None) as batch_op:
        batch_op.drop_column("personal_data_purged_at")
        batch_op.alter_column("email", existing_type=sa.String(length=254), nullable=False)
