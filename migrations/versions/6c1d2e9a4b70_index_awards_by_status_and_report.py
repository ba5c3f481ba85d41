"""index awards by status and report: the review's history of each State at scale

At twenty years of data (`flask seed-scale`) the queue's per-State history (earlier
no-shows and overdue reports) read every award of every earlier meeting; with this
index it reads only the no-shows and the attended awards still without a report.

Revision ID: 6c1d2e9a4b70
Revises: 493256475290
Create Date: 2026-11-28 13:40:00
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "6c1d2e9a4b70"
down_revision = "493256475290"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.create_index(
            "ix_awards_status_report", ["status", "report_received_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.drop_index("ix_awards_status_report")
