"""outbox message: the language it was written in

The applicant's dashboard lists the mails the State was sent, as they were sent; one
written in another language than the page is marked as such (`lang`), and the mail
itself says its language (Content-Language). Messages queued before this are left
without one.

Revision ID: a3d8f1c6b2e7
Revises: f21d4a7c9e05
Create Date: 2026-12-03 19:50:00
"""

import sqlalchemy as sa

from alembic import op

# revision identifiers, used by Alembic.
revision = "a3d8f1c6b2e7"
down_revision = "f21d4a7c9e05"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=5), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("language")
