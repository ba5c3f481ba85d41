"""documents as a series: each letter row has a kind

offer and confirmation (one series: the confirmation supersedes the offer), visa
(the visa-support letter) and certificate (of attendance). Versions are numbered
per series, so the unique key becomes (award, kind, version).

Revision ID: c18b2f8d1e02
Revises: b18a1e7c0d01
Create Date: 2026-12-03 00:20:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c18b2f8d1e02"
down_revision = "b18a1e7c0d01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("letters") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=20), nullable=False, server_default="offer")
        )
        batch.drop_constraint("uq_letters_award_id_version", type_="unique")
        batch.create_unique_constraint(
            "uq_letters_award_id_kind_version", ["award_id", "kind", "version"]
        )


def downgrade():
    with op.batch_alter_table("letters") as batch:
        batch.drop_constraint("uq_letters_award_id_kind_version", type_="unique")
        batch.create_unique_constraint("uq_letters_award_id_version", ["award_id", "version"])
        batch.drop_column("kind")
