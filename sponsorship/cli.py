"""Registers every feature's flask commands: see each package's cli.py."""

from __future__ import annotations

from flask import Flask


def init_cli(app: Flask) -> None:
    from sponsorship.accounts.cli import create_admin
    from sponsorship.core.cli import db_backup, db_restore
    from sponsorship.devdata.cli import bootstrap, seed_demo, seed_scale
    from sponsorship.documents.cli import letters_cli
    from sponsorship.funding.cli import funds_cli
    from sponsorship.history.cli import history_cli
    from sponsorship.mail.cli import mail_cli
    from sponsorship.privacy.cli import retention_cli
    from sponsorship.programme.cli import states_cli

    for command in (
        letters_cli,
        states_cli,
        mail_cli,
        funds_cli,
        history_cli,
        retention_cli,
        seed_demo,
        seed_scale,
        bootstrap,
        create_admin,
        db_backup,
        db_restore,
    ):
        app.cli.add_command(command)
