"""`flask history import FILE.xlsx [--dry-run]` and `flask history template FILE.xlsx`."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import AppGroup

from sponsorship.history import importer
from sponsorship.history.template import template_workbook

history_cli = AppGroup("history", help="Bring past years in from a workbook.")


def report(outcome: importer.Outcome) -> None:
    for e in outcome.errors:
        click.echo(f"{e.sheet or '-'} row {e.row} {e.column or '-'}: {e.message}", err=True)
    for sheet in sorted(set(outcome.added) | set(outcome.present)):
        click.echo(
            f"{sheet}: {outcome.added.get(sheet, 0)} added,"
            f" {outcome.present.get(sheet, 0)} already present"
        )


@history_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and show what would change; keep nothing.")
def import_command(path: Path, dry_run: bool) -> None:
    """Import a history workbook, all or nothing."""
    started = time.perf_counter()
    outcome = importer.run(path.read_bytes(), None, filename=path.name, dry_run=dry_run)
    report(outcome)
    elapsed = time.perf_counter() - started
    if not outcome.ok:
        raise click.ClickException(
            f"{len(outcome.errors)} problems; nothing was imported (sha256 {outcome.sha256})."
        )
    verb = "Checked (dry run, nothing kept)" if dry_run else "Imported"
    click.echo(f"{verb} {path.name} in {elapsed:.1f} s, sha256 {outcome.sha256}.")


@history_cli.command("template")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def template_command(path: Path) -> None:
    """Write the empty, documented workbook."""
    path.write_bytes(template_workbook())
    click.echo(f"Template written to {path}.")
