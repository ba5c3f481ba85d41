"""`flask retention run [--dry-run] [--today YYYY-MM-DD]`: purge (or list) the personal
data of meetings past the retention period (RETENTION_DAYS)."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from sponsorship.privacy import retention

retention_cli = AppGroup("retention", help="Personal data past its retention period.")


def _table(rows: list[retention.MeetingPurge]) -> None:
    for row in rows:
        fields = ", ".join(f"{k} {v}" for k, v in row.counts.items() if v)
        click.echo(f"meeting {row.meeting_id} ({row.title}, ended {row.ended_on}): {fields}")
    totals: dict[str, int] = {}
    for row in rows:
        for key, value in row.counts.items():
            totals[key] = totals.get(key, 0) + value
    click.echo(
        f"{len(rows)} meetings; total: "
        + (", ".join(f"{k} {v}" for k, v in totals.items() if v) or "nothing")
    )


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="List what would be purged; change nothing.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Run as if on this day.")
def run_command(dry_run: bool, today) -> None:
    """Purge the personal data of every meeting past its retention period."""
    day = today.date() if today else date.today()
    click.echo(
        f"Retention {retention.retention_days()} days: meetings ended before "
        f"{retention.cutoff(day)}{' (dry run: nothing changes)' if dry_run else ''}"
    )
    _table(retention.plan(day) if dry_run else retention.run(day))
