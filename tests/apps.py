"""The one way tests and benches build the app.

`build_app(database_url, **overrides)` is the testing configuration on that database,
with any setting overridden. With `reset=True` the database is first emptied and built
with the real migrations (the deploy step, `flask db upgrade`) and the States loaded;
`demo=True` also seeds the demo programme, as `make run` does.
"""

from __future__ import annotations

import flask_migrate
import sqlalchemy as sa
from flask import Flask

from config import TestingConfig
from sponsorship import create_app
from sponsorship.devdata import demo as demo_programme
from sponsorship.extensions import db
from sponsorship.programme.states import load_states


def make_config(database_url: str, **overrides) -> type[TestingConfig]:
    """The testing configuration on `database_url`, with `overrides` set."""
    return type(
        "TestConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": database_url, **overrides}
    )


def empty_postgres(engine: sa.Engine) -> None:
    """Drop everything in PostgreSQL's public schema: tables, types, sequences."""
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))


def reset_schema(app: Flask) -> None:
    """Start from an empty database, then build it with the real migrations and load
    the States."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            empty_postgres(engine)
        else:
            db.drop_all()
            with engine.begin() as conn:
                conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        flask_migrate.upgrade()
        load_states()


def build_app(database_url: str, *, reset: bool = False, demo: bool = False, **overrides) -> Flask:
    """The app on `database_url` with the testing configuration and `overrides`.

    reset: empty the database, migrate it and load the States (it DROPS everything).
    demo: all of `reset`, then the demo programme.
    """
    app = create_app(make_config(database_url, **overrides))
    if reset or demo:
        reset_schema(app)
    if demo:
        with app.app_context():
            demo_programme.seed_demo()
            db.session.remove()
    return app
