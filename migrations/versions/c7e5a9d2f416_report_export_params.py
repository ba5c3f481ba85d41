"""report exports: what an export was asked for beyond whose data it is

The audit trail's CSV at twenty years (50,000 events, each written as a sentence in the
reader's language) took four seconds inside a web request; it is now prepared by a
job like the reports. Its filter is kept with the export (a query string), and the
export's scope names the filter by its hash.

Revision ID: c7e5a9d2f416
Revises: a3d8f1c6b2e7
Create Date: 2026-12-03 23:40:00
"""

import sqlalchemy as sa

from alembic import op

# revision identifiers, used by Alembic.
revision = "c7e5a9d2f416"
down_revision = "a3d8f1c6b2e7"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("report_exports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("params", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("report_exports", schema=None) as batch_op:
        batch_op.drop_column("params")
