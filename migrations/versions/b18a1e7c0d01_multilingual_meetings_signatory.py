"""meeting, session and venue names in French and Spanish; the programme's signatory

English stays in the existing columns (required); the new ones are optional and
fall back to English when empty (sponsorship/models/languages.py).

Revision ID: b18a1e7c0d01
Revises: 5e1a7c3b9d20
Create Date: 2026-12-03 00:10:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b18a1e7c0d01"
down_revision = "5e1a7c3b9d20"
branch_labels = None
depends_on = None

_MEETING = {"title": 200, "venue": 200, "city": 100}


def _text(name: str, length: int) -> sa.Column:
    return sa.Column(name, sa.String(length=length), nullable=False, server_default="")


def upgrade():
    with op.batch_alter_table("meetings") as batch:
        for field, length in _MEETING.items():
            for lang in ("fr", "es"):
                batch.add_column(_text(f"{field}_{lang}", length))
    with op.batch_alter_table("meeting_sessions") as batch:
        for lang in ("fr", "es"):
            batch.add_column(_text(f"title_{lang}", 200))
    op.create_table(
        "signatory",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        _text("title_fr", 200),
        _text("title_es", 200),
        sa.CheckConstraint("id = 1", name=op.f("ck_signatory_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signatory")),
    )


def downgrade():
    op.drop_table("signatory")
    with op.batch_alter_table("meeting_sessions") as batch:
        for lang in ("fr", "es"):
            batch.drop_column(f"title_{lang}")
    with op.batch_alter_table("meetings") as batch:
        for field in _MEETING:
            for lang in ("fr", "es"):
                batch.drop_column(f"{field}_{lang}")
