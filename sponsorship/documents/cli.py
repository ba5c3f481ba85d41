"""`flask letters issue`: a meeting's letters with a progress bar."""

from __future__ import annotations

import os

import click
from flask.cli import AppGroup

from sponsorship.extensions import db
from sponsorship.models import Meeting

letters_cli = AppGroup("letters", help="Award letters.")


@letters_cli.command("issue")
@click.option("--meeting", "meeting_id", type=int, required=True, help="Meeting id.")
@click.option(
    "--workers",
    type=int,
    default=lambda: min(2, os.cpu_count() or 1),
    show_default="both cores",
    help="Rendering processes (one renderer each).",
)
def letters_issue(meeting_id: int, workers: int) -> None:
    """Issue every missing letter of a meeting, with a progress bar (rerun-safe)."""
    from sponsorship.documents import bulk

    if db.session.get(Meeting, meeting_id) is None:
        raise click.ClickException(f"no meeting {meeting_id}")
    pending = len(bulk.pending_awards(meeting_id))
    with click.progressbar(length=pending, label="Issuing letters") as bar:
        result = bulk.bulk_issue(meeting_id, None, workers=workers, on_progress=bar.update)
    click.echo(
        f"Letters: {len(result.issued)} issued, {len(result.failed)} failed, "
        f"{result.retried} retried."
    )
    for reference, why in result.failed:
        click.echo(f"  failed {reference}: {why}", err=True)
    if result.failed:
        raise SystemExit(1)
