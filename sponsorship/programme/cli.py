"""`flask states load`: the reference list of States."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from sponsorship.programme import states

states_cli = AppGroup("states", help="Reference list of States.")


@states_cli.command("load")
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="CSV in the format of sponsorship/data/apmbc_states.csv.",
)
def states_load(csv_path: Path | None) -> None:
    """Create or update the States from the reference CSV (idempotent)."""
    result = states.load_states(csv_path or states.DEFAULT_CSV)
    click.echo(
        f"States: {result.created} created, {result.updated} updated, {result.unchanged} unchanged."
    )
