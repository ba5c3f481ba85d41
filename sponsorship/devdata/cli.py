"""`flask seed-demo`, `flask seed-scale` and `flask bootstrap` (what `make run` does)."""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import select

from sponsorship.core.errors import DomainError
from sponsorship.devdata import demo, fresh
from sponsorship.extensions import db
from sponsorship.models import User
from sponsorship.programme import states


@click.command("seed-demo")
def seed_demo() -> None:
    """Load the demo programme (refused in production)."""
    _allowed_with_states("demo data")
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

    from sponsorship.devdata import scale

    _allowed_with_states("scale data")
    started = time.perf_counter()
    try:
        result = scale.seed_scale(years=years, seed=seed, today=today and today.date())
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    scale.analyze()
    click.echo(
        f"Scale data in {time.perf_counter() - started:.0f} s: {result.meetings} meetings,"
        f" {result.states} States, {result.applications} applications, {result.delegates}"
        f" delegates ({result.people} people), {result.awards} awards,"
        f" {result.contributions} contributions, {result.allocations} allocations,"
        f" {result.letters} letters, {result.reports} reports,"
        f" {result.audit_events} audit events, {result.users} accounts."
    )
    click.echo(
        f"Logins (password {scale.SCALE_PASSWORD}): {scale.ADMIN_EMAIL},"
        " applicant.<iso3>@scale.test, donor1@scale.test ... donor25@scale.test"
    )


@click.command("bootstrap")
def bootstrap() -> None:
    """What `make run` does after migrating: States and demo data on an empty database."""
    if not fresh.has_states():
        result = states.load_states()
        click.echo(f"States: {result.created} loaded.")
    if not fresh.holds_programme() and current_app.config.get("DEMO_DATA_ALLOWED"):
        demo.seed_demo()
        click.echo("Demo data loaded.")
    _print_logins()


def _allowed_with_states(what: str) -> None:
    """Refuse generated data under the production configuration; load the States first."""
    if not current_app.config.get("DEMO_DATA_ALLOWED"):
        raise click.ClickException(f"{what} is refused under the production configuration")
    if not fresh.has_states():
        states.load_states()


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
