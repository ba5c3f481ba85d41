"""letters: whether each one still holds a copy of the passport

The privacy page counts, for every meeting past its retention period, the issued
documents that still hold the delegate's passport. That meant parsing every letter's
snapshot (17,000 at twenty years: 0.8 s on PostgreSQL, on every view of the page).
The answer is now kept on the row when it is written (models/letters.py) and cleared
by the purge; this migration fills it for the letters already issued, in batches.

Revision ID: f21d4a7c9e05
Revises: e4c19a7b2d30
Create Date: 2026-12-03 09:30:00
"""

import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f21d4a7c9e05"
down_revision = "e4c19a7b2d30"
branch_labels = None
depends_on = None

BATCH = 1000
#: As models/letters.py `holds_passport`, copied: a migration does not import the app.
PASSPORT_KEYS = ("passport_number", "passport_expiry", "passport_name")

letters = sa.table(
    "letters",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("snapshot", sa.JSON),
    sa.column("file_key", sa.String),
    sa.column("passport_held", sa.Boolean),
)


def _holds(kind, snapshot, file_key) -> bool:
    if isinstance(snapshot, str):
        snapshot = json.loads(snapshot or "{}")
    snapshot = snapshot or {}
    return any(snapshot.get(k) for k in PASSPORT_KEYS) or (kind == "visa" and bool(file_key))


def upgrade():
    with op.batch_alter_table("letters") as batch:
        batch.add_column(
            sa.Column("passport_held", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(
            sa.select(letters.c.id, letters.c.kind, letters.c.snapshot, letters.c.file_key)
            .where(letters.c.id > last)
            .order_by(letters.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        last = rows[-1].id
        held = [r.id for r in rows if _holds(r.kind, r.snapshot, r.file_key)]
        if held:
            conn.execute(
                sa.update(letters).where(letters.c.id.in_(held)).values(passport_held=True)
            )


def downgrade():
    with op.batch_alter_table("letters") as batch:
        batch.drop_column("passport_held")
