"""`flask db-backup` and `flask db-restore`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import DBAPIError

from sponsorship.core.errors import DomainError
from sponsorship.extensions import db
from sponsorship.models import data_version


@click.command("db-backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def db_backup(path: Path) -> None:
    """Back up the database to PATH while the app runs (SQLite backup API, pg_dump)."""
    from sponsorship.core import backup

    try:
        result = backup.backup(db.engine.url, path)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup of the {result.backend} database written to {path} ({result.size} bytes).")


@click.command("db-restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Drop what the database holds first.")
@with_appcontext
def db_restore(path: Path, replace: bool) -> None:
    """Restore PATH into the (fresh) database; then run `flask funds check`."""
    from sponsorship.core import backup

    # The app's own pooled connections must not hold the database during the restore.
    db.session.remove()
    db.engine.dispose()
    try:
        backend = backup.restore(db.engine.url, path, replace=replace)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    # Pages and figures a running app kept must not be taken for the restored data.
    try:
        data_version.renew(db.session)
        db.session.commit()
    except DBAPIError:  # a backup older than the stamp: `flask db upgrade` makes one
        db.session.rollback()
    click.echo(f"Restored {path} into the {backend} database. Now run: flask funds check")
