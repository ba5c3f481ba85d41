"""flask commands: states load, seed-demo, seed-scale, create-admin, demo-logins."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from sponsorship.extensions import db
from sponsorship.models import Meeting, Role, State, User, data_version
from sponsorship.services import DomainError, accounts, demo, states

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


@click.command("seed-demo")
def seed_demo() -> None:
    """Load the demo programme (refused in production)."""
    if not current_app.config.get("DEMO_DATA_ALLOWED"):
        raise click.ClickException("demo data is refused under the production configuration")
    if db.session.scalar(select(func.count(State.id))) == 0:
        states.load_states()
    try:
        result = demo.seed_demo()
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Demo loaded: {result.meetings} meetings, {result.applications} applications, "
        f"{result.awards} delegates, {result.contributions} contributions."
    )
    _print_logins()


@click.command("seed-scale")
@click.option("--years", default=20, show_default=True, help="Years of programme history.")
@click.option("--seed", default=1, show_default=True, help="Same seed and day, same rows.")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day the programme runs up to (default: today).",
)
def seed_scale(years: int, seed: int, today) -> None:
    """Generate a large programme in bulk for benchmarks (refused in production)."""
    import time

    from sponsorship.services import scale

    if not current_app.config.get("DEMO_DATA_ALLOWED"):
        raise click.ClickException("scale data is refused under the production configuration")
    if db.session.scalar(select(func.count(State.id))) == 0:
        states.load_states()
    started = time.perf_counter()
    try:
        result = scale.seed_scale(years=years, seed=seed, today=today and today.date())
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    scale.analyze()
    click.echo(
        f"Scale data in {time.perf_counter() - started:.0f} s: {result.meetings} meetings,"
        f" {result.states} States, {result.applications} applications, {result.delegates}"
        f" delegates, {result.awards} awards, {result.contributions} contributions,"
        f" {result.allocations} allocations, {result.letters} letters, {result.reports}"
        f" reports, {result.audit_events} audit events, {result.users} accounts."
    )
    click.echo(
        f"Logins (password {scale.SCALE_PASSWORD}): {scale.ADMIN_EMAIL},"
        " applicant.<iso3>@scale.test, donor1@scale.test ... donor25@scale.test"
    )


@click.command("bootstrap")
def bootstrap() -> None:
    """What `make run` does after migrating: States and demo data on an empty database."""
    if db.session.scalar(select(func.count(State.id))) == 0:
        result = states.load_states()
        click.echo(f"States: {result.created} loaded.")
    empty = not db.session.scalar(select(func.count(Meeting.id))) and not db.session.scalar(
        select(func.count(User.id))
    )
    if empty and current_app.config.get("DEMO_DATA_ALLOWED"):
        demo.seed_demo()
        click.echo("Demo data loaded.")
    _print_logins()


def _print_logins() -> None:
    emails = [email for email, _role in demo.DEMO_ACCOUNTS]
    found = set(db.session.scalars(select(User.email).where(User.email.in_(emails))))
    if not found:
        return
    click.echo(f"\nDemo logins (password: {demo.DEMO_PASSWORD}):")
    for email, role in demo.DEMO_ACCOUNTS:
        if email in found:
            click.echo(f"  {role.value:<14} {email}")
    click.echo("")


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administrator")
def create_admin(email: str, name: str) -> None:
    """Create an administrator account, asking for its password."""
    password = getpass.getpass("Password: ")
    try:
        accounts.create_user(
            None, email=email, name=name, role=Role.ADMINISTRATOR, password=password
        )
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Administrator {email} created.")


funds_cli = AppGroup("funds", help="The fund ledger.")


@funds_cli.command("check")
def funds_check() -> None:
    """Recompute every balance from the allocation rows; exit 1 on any mismatch."""
    from sponsorship.services.ledger import check_books

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
    if bad:
        raise SystemExit(1)


mail_cli = AppGroup("mail", help="The mail outbox.")


@mail_cli.command("send")
@click.option("--retry-failed", is_flag=True, help="Requeue messages that had given up first.")
@click.option("--limit", default=200, show_default=True, help="At most this many messages.")
def mail_send(retry_failed: bool, limit: int) -> None:
    """Deliver the queued messages that are due (run it every minute or so)."""
    from sponsorship.services import mail

    if retry_failed:
        click.echo(f"Requeued {mail.requeue_failed()} failed messages.")
    result = mail.deliver_due(limit=limit)
    click.echo(f"Mail: {result.sent} sent, {result.retried} to retry, {result.failed} failed.")


@mail_cli.command("remind")
def mail_remind() -> None:
    """Queue reminders for offers whose deadline is near (run it daily)."""
    from datetime import date

    from sponsorship.services import offers

    click.echo(f"Reminders queued: {offers.queue_offer_reminders(date.today())}.")


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
    from sponsorship.services import letters

    if db.session.get(Meeting, meeting_id) is None:
        raise click.ClickException(f"no meeting {meeting_id}")
    pending = len(letters.pending_awards(meeting_id))
    with click.progressbar(length=pending, label="Issuing letters") as bar:
        result = letters.bulk_issue(meeting_id, None, workers=workers, on_progress=bar.update)
    click.echo(
        f"Letters: {len(result.issued)} issued, {len(result.failed)} failed, "
        f"{result.retried} retried."
    )
    for reference, why in result.failed:
        click.echo(f"  failed {reference}: {why}", err=True)
    if result.failed:
        raise SystemExit(1)


@click.command("db-backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def db_backup(path: Path) -> None:
    """Back up the database to PATH while the app runs (SQLite backup API, pg_dump)."""
    from sponsorship.services import backup

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
    from sponsorship.services import backup

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


def init_cli(app: Flask) -> None:
    app.cli.add_command(letters_cli)
    app.cli.add_command(states_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(funds_cli)
    for command in (seed_demo, seed_scale, bootstrap, create_admin):
        app.cli.add_command(command)
    app.cli.add_command(db_backup)
    app.cli.add_command(db_restore)
