"""Back up a database with the demo programme, restore it into a fresh one, and prove
the books of the copy balance with `flask funds check` (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import shutil
import sqlite3

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from sponsorship.extensions import db
from sponsorship.models import data_version
from tests.apps import build_app
from tests.prod.conftest import admin_engine, drop_database

#: Tables whose rows must all come back.
TABLES = ("contributions", "allocations", "awards", "audit_events", "users", "states")


def _counts(app) -> dict[str, int]:
    with app.app_context():
        counts = {t: db.session.scalar(sa.text(f"SELECT count(*) FROM {t}")) for t in TABLES}  # noqa: S608
        db.session.remove()
    return counts


def _stamp(app) -> str | None:
    with app.app_context():
        stamp = data_version.current(db.session)
        db.session.remove()
    return stamp


def _funds_check(app) -> str:
    result = app.test_cli_runner().invoke(args=["funds", "check"])
    assert result.exit_code == 0, result.output
    assert "0 with mismatches" in result.output
    return result.output


def _backup_restore_check(source_url: str, target_url: str, backup_path) -> None:
    source = build_app(source_url, demo=True)
    before = _funds_check(source)
    backed = source.test_cli_runner().invoke(args=["db-backup", str(backup_path)])
    assert backed.exit_code == 0, backed.output
    counts = _counts(source)
    stamp = _stamp(source)
    with source.app_context():
        db.engine.dispose()

    target = build_app(target_url)
    restored = target.test_cli_runner().invoke(args=["db-restore", str(backup_path)])
    assert restored.exit_code == 0, restored.output
    assert _counts(target) == counts
    # Pages an app kept for the backed-up stamp are never taken for the restored data.
    assert _stamp(target) not in (stamp, None)
    assert _funds_check(target) == before
    # A second restore into the now full database is refused, not merged.
    again = target.test_cli_runner().invoke(args=["db-restore", str(backup_path)])
    assert again.exit_code != 0 and "not empty" in again.output
    with target.app_context():
        db.engine.dispose()


def test_sqlite_backup_restores_into_fresh_file_with_balanced_books(tmp_path):
    source = tmp_path / "live.db"
    _backup_restore_check(
        f"sqlite:///{source}", f"sqlite:///{tmp_path / 'restored.db'}", tmp_path / "backup.db"
    )
    # The online backup API copied what the WAL held too: the copy stands alone.
    with sqlite3.connect(tmp_path / "backup.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_postgres_dump_restores_into_fresh_database_with_balanced_books(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("needs TEST_DATABASE_URL on PostgreSQL")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump and pg_restore are not installed (postgresql-client)")
    base = make_url(url)
    names = (f"{base.database}_bk_src", f"{base.database}_bk_dst")
    engine = admin_engine(url)
    for name in names:
        drop_database(engine, name)
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        source, target = (base.set(database=n).render_as_string(hide_password=False) for n in names)
        _backup_restore_check(source, target, tmp_path / "sponsorship.dump")
        assert (tmp_path / "sponsorship.dump").read_bytes()[:5] == b"PGDMP"
    finally:
        for name in names:
            drop_database(engine, name)
        engine.dispose()


def test_backup_refuses_to_overwrite_a_file(tmp_path):
    existing = tmp_path / "kept.db"
    existing.write_bytes(b"earlier backup")
    app = build_app(f"sqlite:///{tmp_path / 'live.db'}")
    result = app.test_cli_runner().invoke(args=["db-backup", str(existing)])
    assert result.exit_code != 0 and "exists" in result.output
    assert existing.read_bytes() == b"earlier backup"
