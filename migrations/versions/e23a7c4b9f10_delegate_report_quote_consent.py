"""delegate report: consent to quote its comments to donors

A donor's page quotes what delegates wrote after the meeting only where the State
that gave the report agreed; reports given before the question existed did not.

Revision ID: e23a7c4b9f10
Revises: e4b7c2a9d310
Create Date: 2026-12-03 06:00:00
"""

import sqlalchemy as sa

from alembic import op

# revision identifiers, used by Alembic.
revision = "e23a7c4b9f10"
down_revision = "e4b7c2a9d310"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("delegate_reports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("quote_consent", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("delegate_reports", schema=None) as batch_op:
        batch_op.drop_column("quote_consent")
