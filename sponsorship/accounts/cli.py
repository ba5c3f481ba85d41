"""`flask create-admin`."""

from __future__ import annotations

import getpass

import click

from sponsorship.accounts import services as accounts
from sponsorship.accounts.passwords import check_password_rules
from sponsorship.core.errors import DomainError
from sponsorship.core.transaction import unit_of_work
from sponsorship.models import Role


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administrator")
def create_admin(email: str, name: str) -> None:
    """Create an administrator account, asking for its password."""
    password = getpass.getpass("Password: ")
    try:
        check_password_rules(password, email=email, name=name)
        with unit_of_work():
            accounts.create_user(
                None, email=email, name=name, role=Role.ADMINISTRATOR, password=password
            )
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Administrator {email} created.")
