"""Backup and restore of the whole database, with each backend's own tool.

* **SQLite**: the online backup API (``sqlite3.Connection.backup``) copies a consistent
  snapshot page by page while the app keeps serving; copying the file instead could
  catch a write half done, or miss what still sits in the WAL file.
* **PostgreSQL**: ``pg_dump --format=custom`` (a consistent snapshot, compressed, any
  table restorable on its own) and ``pg_restore`` in one transaction, so a restore
  that fails leaves the target as it was. Credentials go to the tools through the
  PG* environment variables, never on a command line that ``ps`` shows.

Restore into a fresh database, then run ``flask funds check`` on it (README).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from sponsorship.core.errors import DomainError

#: pg_dump's custom format starts with these bytes.
PG_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    backend: str
    size: int


def _url(database_url: str | URL) -> URL:
    return make_url(database_url) if isinstance(database_url, str) else database_url


def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise DomainError("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


def _pg_env(url: URL) -> dict[str, str]:
    """The connection as libpq environment variables (the password stays out of argv)."""
    env = dict(os.environ)
    for key, value in {
        "PGHOST": url.host,
        "PGPORT": url.port,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }.items():
        if value is not None:
            env[key] = str(value)
    for key, value in url.query.items():
        if key == "sslmode":
            env["PGSSLMODE"] = str(value)
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise DomainError(
            f"{name} is not installed: apt-get install postgresql-client "
            "(its major version at least the server's)"
        )
    return path


def _run(argv: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise DomainError(f"{Path(argv[0]).name} failed: {done.stderr.strip() or done.stdout}")


def backup(database_url: str | URL, path: Path) -> BackupResult:
    """Write a backup of the database to `path` (refuses to overwrite a file)."""
    url = _url(database_url)
    path = Path(path)
    if path.exists():
        raise DomainError(f"{path} exists; choose a new file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    backend = url.get_backend_name()
    if backend == "sqlite":
        source = sqlite3.connect(_sqlite_file(url))
        target = sqlite3.connect(path)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
    elif backend == "postgresql":
        argv = [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges"]
        _run([*argv, f"--file={path}"], _pg_env(url))
    else:
        raise DomainError(f"no backup for a {backend} database")
    return BackupResult(path=path, backend=backend, size=path.stat().st_size)


def _is_empty_sqlite(file: Path) -> bool:
    if not file.exists() or file.stat().st_size == 0:
        return True
    with sqlite3.connect(file) as conn:
        return not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table'").fetchone()


def _pg_has_tables(url: URL) -> bool:
    import sqlalchemy as sa

    engine = sa.create_engine(url.set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as conn:
            return bool(
                conn.scalar(
                    sa.text("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")
                )
            )
    finally:
        engine.dispose()


def restore(database_url: str | URL, path: Path, *, replace: bool = False) -> str:
    """Restore the backup at `path` into the database; returns the backend's name.

    The target should be a fresh, empty database. With `replace`, what it holds is
    dropped first (SQLite: overwritten; PostgreSQL: ``pg_restore --clean``).
    """
    url = _url(database_url)
    path = Path(path)
    if not path.is_file():
        raise DomainError(f"no backup file at {path}")
    head = path.read_bytes()[:16]
    backend = url.get_backend_name()
    if backend == "sqlite":
        if head != SQLITE_MAGIC:
            raise DomainError(f"{path} is not a SQLite backup")
        target_file = _sqlite_file(url)
        if not replace and not _is_empty_sqlite(target_file):
            raise DomainError(f"{target_file} is not empty; restore into a new file or replace")
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise DomainError(f"{path} fails SQLite's integrity check")
            target = sqlite3.connect(target_file)
            try:
                with target:
                    source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
    elif backend == "postgresql":
        if not head.startswith(PG_MAGIC):
            raise DomainError(f"{path} is not a pg_dump custom-format backup")
        if not replace and _pg_has_tables(url):
            raise DomainError(f"database {url.database} is not empty; restore into a new one")
        argv = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error"]
        argv += ["--single-transaction", f"--dbname={url.database}"]
        if replace:
            argv += ["--clean", "--if-exists"]
        _run([*argv, str(path)], _pg_env(url))
    else:
        raise DomainError(f"no restore for a {backend} database")
    return backend
