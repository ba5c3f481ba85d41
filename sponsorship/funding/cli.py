"""`flask funds check`: the books proven from the allocation rows."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

funds_cli = AppGroup("funds", help="The fund ledger.")


@funds_cli.command("check")
def funds_check() -> None:
    """Recompute every balance from the allocation rows; exit 1 on any mismatch."""
    from sponsorship.funding.books import check_books, check_spend_approvals

    base = current_app.config["BASE_CURRENCY"]
    lines = check_books()
    for line in lines:
        c = line.contribution
        click.echo(
            f"{'OK ' if line.ok else 'BAD'} {c.reference} ({c.donor.name}, {c.status.value})"
            f" {c.amount} {c.currency} = {c.base_amount or 0} {base}:"
            f" committed {c.committed}, spent {c.spent}, available {c.available}"
            + "".join(f"; {problem}" for problem in line.problems)
        )
    bad = sum(not line.ok for line in lines)
    click.echo(f"{len(lines)} contributions checked, {bad} with mismatches.")
    unapproved = check_spend_approvals()
    for problem in unapproved:
        click.echo(f"BAD {problem}")
    click.echo(f"Spend without its approvals: {len(unapproved)}.")
    if bad or unapproved:
        raise SystemExit(1)
