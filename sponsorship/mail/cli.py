"""`flask mail send` and `flask mail remind`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

mail_cli = AppGroup("mail", help="The mail outbox.")


@mail_cli.command("send")
@click.option("--retry-failed", is_flag=True, help="Requeue messages that had given up first.")
@click.option("--limit", default=200, show_default=True, help="At most this many messages.")
def mail_send(retry_failed: bool, limit: int) -> None:
    """Deliver the queued messages that are due (run it every minute or so)."""
    from sponsorship.mail import outbox as mail

    if retry_failed:
        click.echo(f"Requeued {mail.requeue_failed()} failed messages.")
    result = mail.deliver_due(limit=limit)
    click.echo(f"Mail: {result.sent} sent, {result.retried} to retry, {result.failed} failed.")


@mail_cli.command("remind")
def mail_remind() -> None:
    """Queue reminders for offers whose deadline is near (run it daily)."""
    from datetime import date

    from sponsorship.applications import offers

    click.echo(f"Reminders queued: {offers.queue_offer_reminders(date.today())}.")
