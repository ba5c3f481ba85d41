"""Binding the database to the app, with the per-backend fixes it needs."""

from __future__ import annotations

import logging

from flask import Flask
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from sponsorship.extensions import db
from sponsorship.models.data_version import track_writes


def _sqlite_setup(engine: Engine) -> None:
    """Make pysqlite transactional in the way SQLAlchemy expects.

    pysqlite opens transactions lazily and never for a SELECT, so a read-check-write
    is not isolated; we turn its own handling off and emit BEGIN ourselves. A caller
    that must hold the write lock from the first read (the fund ledger) sets the
    connection option `sqlite_begin="BEGIN IMMEDIATE"`.
    See https://docs.sqlalchemy.org/en/20/dialects/sqlite.html#serializable-isolation-savepoints-transactional-ddl
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # WAL lets readers go on while the ledger holds the write lock, and with
        # synchronous=NORMAL a commit no longer waits for a full disk sync.
        if cursor.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal":
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql(conn.get_execution_options().get("sqlite_begin", "BEGIN"))


def postgresql_options(config: dict) -> dict:
    """The engine options with the planner settings of POSTGRES_RANDOM_PAGE_COST given
    to each new connection (libpq's startup `options`: no statement, no transaction).
    A copy: the configuration class's own dict is shared by every app."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    cost = str(config.get("POSTGRES_RANDOM_PAGE_COST") or "").strip()
    if not cost:
        return options
    connect_args = dict(options.get("connect_args") or {})
    given = connect_args.get("options", "")
    if "random_page_cost" not in given:
        connect_args["options"] = f"{given} -c random_page_cost={float(cost)}".strip()
    options["connect_args"] = connect_args
    return options


def init_database(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; SQLAlchemy's bare scheme means psycopg2.
        uri = "postgresql+psycopg://" + uri.removeprefix("postgresql://")
        app.config["SQLALCHEMY_DATABASE_URI"] = uri
    if uri.startswith("postgresql"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = postgresql_options(app.config)
    if uri.startswith("sqlite:///") and uri != "sqlite://":
        from pathlib import Path

        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    # Every session the app opens is Flask-SQLAlchemy's Session (or a subclass).
    track_writes(FlaskSession)
    # Registered after Flask-SQLAlchemy's, so it runs first (teardowns run in reverse).
    app.teardown_appcontext(_remove_session)
    if uri.startswith("sqlite"):
        with app.app_context():
            _sqlite_setup(db.engine)


def _remove_session(_error: BaseException | None = None) -> None:
    """End the request's session even when its connection died under it.

    When the database restarts (or kills the connection) after the view has answered,
    the rollback that ends the session raises, and Flask-SQLAlchemy's own teardown
    would turn a page already rendered into a bare 500. The failed rollback has
    invalidated the connection, so the second removal only clears the registry.
    """
    try:
        db.session.remove()
    except DBAPIError as error:
        logging.getLogger(__name__).warning("session ended on a dead connection: %s", error.orig)
        try:
            db.session.remove()
        except DBAPIError:
            db.session.registry.clear()
