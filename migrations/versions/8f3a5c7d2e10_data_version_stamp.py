"""data version stamp: one row every writing transaction changes

Rendered pages and aggregates are reused exactly while nothing was committed
(sponsorship/models/data_version.py).

Revision ID: 8f3a5c7d2e10
Revises: 6c1d2e9a4b70
Create Date: 2026-11-28 20:50:00
"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8f3a5c7d2e10"
down_revision = "6c1d2e9a4b70"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    op.bulk_insert(table, [{"id": 1, "stamp": secrets.token_hex(16)}])


def downgrade():
    op.drop_table("data_version")
